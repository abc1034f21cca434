import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface EmailDay {
  day: string;
  sent: number;
  refused: number;
  bounced: number;
  limit: number | null;
}

/** One colour per series, shared by the canvas and the HTML legend (the canvas cannot read CSS). */
/**
 * Refused and bounced get hues far apart (orange, purple), not two reds. The limit is drawn last
 * and wider, dashed, so where "sent" reaches it both stay visible: the dashes over the blue line.
 */
const SERIES = [
  { key: 'sent', label: 'Sent', stroke: '#1a5fb4', dash: undefined, width: 2 },
  { key: 'refused', label: 'Refused over the limit', stroke: '#c64600', dash: undefined, width: 2 },
  { key: 'bounced', label: 'Bounced', stroke: '#813d9c', dash: undefined, width: 2 },
  { key: 'limit', label: 'Daily limit', stroke: '#241f31', dash: [8, 5], width: 3 },
] as const;

/** ISO days on the axis, as everywhere else in the console (uPlot's default is M/D). */
const isoDay = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 10);

const HEIGHT = 220;

function chartData(days: readonly EmailDay[]): uPlot.AlignedData {
  return [
    days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000),
    days.map((d) => d.sent),
    days.map((d) => d.refused),
    days.map((d) => d.bounced),
    // A day without a known limit is a gap in the line, not a zero limit.
    days.map((d) => d.limit),
  ];
}

/**
 * The relay's last 30 days drawn with uPlot (canvas). The canvas is hidden from assistive
 * technology: the same figures are in the table next to it, which is the accessible alternative.
 */
export function EmailDaysChart({ days }: { days: readonly EmailDay[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = (): number => Math.max(280, el.clientWidth);
    const u = new uPlot(
      {
        width: width(),
        height: HEIGHT,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
        axes: [{ space: 90, values: (_u, splits) => splits.map(isoDay) }, { size: 60 }],
        series: [
          {},
          ...SERIES.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            width: s.width,
            ...(s.dash ? { dash: [...s.dash] } : {}),
            points: { show: false },
          })),
        ],
      },
      [[], [], [], [], []],
      el,
    );
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: width(), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(chartData(days));
  }, [days]);

  return (
    <figure className="email-chart">
      <div ref={box} className="email-chart-canvas" aria-hidden="true" />
      <figcaption>
        <ul className="chart-legend">
          {SERIES.map((s) => (
            <li key={s.key}>
              <span
                className={`swatch${s.dash ? ' dashed' : ''}`}
                style={{ borderColor: s.stroke }}
                aria-hidden="true"
              />
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
