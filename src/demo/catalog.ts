import { DAY_MS } from '../dates.js';
import { Prng } from './prng.js';

export type DemoMode = 'trial' | 'paid' | 'drop';
export type DemoCurrency = 'USD' | 'EUR';

export interface DemoMetabaseRow {
  name: string;
  uuid: string;
  mode: DemoMode;
  extra_apps: boolean;
  status: string;
  expire_date: Date | null;
  version: string;
  subcode: string | null;
  create_date: Date;
  duplicate_of: string | null;
  secure: boolean;
  email_daily_count: number;
  email_daily_limit: number;
  ext_email_daily_count: number;
  email_total_count: number;
  duplicate_limit: number;
}

export interface DemoCompany {
  name: string;
  /** Index of the parent company in the same list: a branch. */
  parent?: number;
  currency: DemoCurrency;
}

export interface DemoUser {
  login: string;
  name: string;
  /** Member of base.group_system (Settings). */
  admin: boolean;
  /** Portal user: not in base.group_user. */
  share: boolean;
  active: boolean;
  /** null = signs in only through OAuth; undefined = the demo default ("demo"). */
  password?: string | null;
  oauthUid?: string;
  lastLoginDaysAgo?: number;
  /** Index in tenant.companies; 0 when absent. */
  company?: number;
}

export interface DemoTenant {
  companies: DemoCompany[];
  /** users[0] is always base.user_admin (res_users id 2). */
  users: DemoUser[];
  /** Installed application module names. */
  apps: string[];
  bounces: number;
  mailsSent: number;
  attachments: number;
  iapServices: string[];
  /** Duplicates for testing are neutralized, as the database manager does with "neutralize". */
  neutralized?: boolean;
}

/** What a tenant database is made of, wherever it lives. */
export interface DemoDatabaseSpec {
  metabase: DemoMetabaseRow;
  tenant: DemoTenant;
}

export interface DemoDatabase extends DemoDatabaseSpec {
  /** Which of the embedded default's hosting servers holds it: 0 the first, 1 the second. */
  server: number;
}

export const DEMO_ADMIN_PASSWORD = 'admin';
export const DEMO_USER_PASSWORD = 'demo';

type Country =
  | 'us'
  | 'fr'
  | 'be'
  | 'nl'
  | 'de'
  | 'at'
  | 'es'
  | 'it'
  | 'pt'
  | 'ie'
  | 'ke'
  | 'in'
  | 'dk'
  | 'ca'
  | 'tz'
  | 'uk';
type Version = '16.0' | '17.0' | 'saas~17.4' | '18.0';

interface Profile {
  name: string;
  country: Country;
  /** [name, currency, parent index] */
  companies: [string, DemoCurrency, number?][];
  mode: DemoMode;
  status?: string;
  extraApps?: boolean;
  version: Version;
  apps: string[];
  ageDays: number;
  /** Days from now; null = none. Defaults: trials +15, others none. */
  expireDays?: number | null;
  secure?: boolean;
  /** The historical "admin" login instead of the owner's e-mail. */
  legacyAdminLogin?: boolean;
  /** base.user_admin lost the Settings group: the case "reset admin rights" exists for. */
  adminLostRights?: boolean;
  emailLimit?: number;
  mailsSent?: number;
  bounces?: number;
  subcode?: boolean;
  duplicates?: ('trial' | 'drop')[];
}

const EUR: DemoCurrency = 'EUR';
const USD: DemoCurrency = 'USD';

const PROFILES: Profile[] = [
  {
    name: 'acme-bakery',
    country: 'us',
    companies: [['Acme Bakery LLC', USD]],
    mode: 'trial',
    version: '17.0',
    apps: ['point_of_sale', 'stock', 'account_accountant', 'website'],
    ageDays: 6,
    expireDays: 9,
    duplicates: ['trial'],
  },
  {
    name: 'boulangerie-martin',
    country: 'fr',
    companies: [['Boulangerie Martin SARL', EUR]],
    mode: 'trial',
    extraApps: false,
    version: '18.0',
    apps: ['point_of_sale'],
    ageDays: 3,
    expireDays: 12,
  },
  {
    name: 'dupont-avocats',
    country: 'fr',
    companies: [['Dupont & Associés Avocats', EUR]],
    mode: 'paid',
    version: '17.0',
    apps: ['account_accountant', 'documents', 'sign', 'project', 'hr_timesheet'],
    ageDays: 620,
    secure: true,
    subcode: true,
    duplicates: ['trial'],
  },
  {
    name: 'brouwerij-de-kroon',
    country: 'be',
    companies: [
      ['Brouwerij De Kroon BV', EUR],
      ['De Kroon Taproom', EUR, 0],
    ],
    mode: 'paid',
    version: '16.0',
    apps: ['mrp', 'stock', 'sale_management', 'point_of_sale', 'purchase', 'account_accountant'],
    ageDays: 900,
    legacyAdminLogin: true,
    subcode: true,
    mailsSent: 180,
    bounces: 6,
    duplicates: ['trial'],
  },
  {
    name: 'hope-for-water',
    country: 'ke',
    companies: [['Hope for Water Foundation', USD]],
    mode: 'paid',
    version: '18.0',
    apps: ['website', 'mass_mailing', 'crm', 'website_event'],
    ageDays: 410,
    emailLimit: 1000,
    mailsSent: 320,
    bounces: 23,
    subcode: true,
  },
  {
    name: 'smith-partners-law',
    country: 'uk',
    companies: [['Smith & Partners LLP', USD]],
    mode: 'paid',
    version: 'saas~17.4',
    apps: ['account_accountant', 'documents', 'sign', 'appointment'],
    ageDays: 280,
    secure: true,
    subcode: true,
  },
  {
    name: 'brauhaus-alpenblick',
    country: 'de',
    companies: [['Brauhaus Alpenblick GmbH', EUR]],
    mode: 'drop',
    version: 'saas~17.4',
    apps: ['mrp', 'stock', 'sale_management'],
    ageDays: 75,
    expireDays: 10,
  },
  {
    name: 'panaderia-el-sol',
    country: 'es',
    companies: [['Panadería El Sol S.L.', EUR]],
    mode: 'drop',
    status: 'close',
    version: '16.0',
    apps: ['point_of_sale'],
    extraApps: false,
    ageDays: 150,
    expireDays: 4,
  },
  {
    name: 'studio-legale-rossi',
    country: 'it',
    companies: [['Studio Legale Rossi', EUR]],
    mode: 'drop',
    status: 'cancel',
    version: '17.0',
    apps: ['account_accountant', 'project'],
    ageDays: 500,
    expireDays: 21,
    subcode: true,
    secure: true,
  },
  {
    name: 'northwind-coffee',
    country: 'us',
    companies: [['Northwind Coffee Roasters Inc.', USD]],
    mode: 'paid',
    status: 'maintenance',
    version: '17.0',
    apps: ['point_of_sale', 'stock', 'purchase', 'website_sale'],
    ageDays: 730,
    subcode: true,
    mailsSent: 140,
    bounces: 3,
  },
  {
    name: 'kaffeehaus-leopold',
    country: 'at',
    companies: [['Kaffeehaus Leopold GmbH', EUR]],
    mode: 'paid',
    status: 'maintenance (upgrade)',
    version: '16.0',
    apps: ['point_of_sale', 'account_accountant', 'planning'],
    ageDays: 1100,
    legacyAdminLogin: true,
    subcode: true,
  },
  {
    name: 'greenleaf-reforestation',
    country: 'de',
    companies: [['Greenleaf Reforestation e.V.', EUR]],
    mode: 'trial',
    status: 'pending',
    version: '18.0',
    apps: ['website', 'mass_mailing', 'crm'],
    ageDays: 13,
    expireDays: 2,
  },
  {
    name: 'maple-street-bakery',
    country: 'ca',
    companies: [['Maple Street Bakery Ltd.', USD]],
    mode: 'trial',
    version: '18.0',
    apps: ['point_of_sale', 'website_sale', 'stock'],
    ageDays: 17,
    expireDays: -2,
  },
  {
    name: 'van-dijk-advocaten',
    country: 'nl',
    companies: [
      ['Van Dijk Advocaten B.V.', EUR],
      ['Van Dijk Advocaten Antwerpen', EUR, 0],
    ],
    mode: 'paid',
    version: 'saas~17.4',
    apps: ['account_accountant', 'documents', 'hr_timesheet', 'project', 'sign'],
    ageDays: 340,
    secure: true,
    subcode: true,
    adminLostRights: true,
  },
  {
    name: 'himalayan-trails-trust',
    country: 'in',
    companies: [['Himalayan Trails Trust', USD]],
    mode: 'trial',
    extraApps: false,
    version: '17.0',
    apps: ['website'],
    ageDays: 8,
    expireDays: 7,
  },
  {
    name: 'pastelaria-belem-nova',
    country: 'pt',
    companies: [['Pastelaria Belém Nova Lda', EUR]],
    mode: 'paid',
    version: '18.0',
    apps: ['point_of_sale', 'stock'],
    ageDays: 95,
    subcode: true,
  },
  {
    name: 'oakridge-brewing',
    country: 'us',
    companies: [
      ['Oakridge Brewing Co.', USD],
      ['Oakridge Distribution LLC', USD],
      ['Oakridge Taproom', USD, 0],
    ],
    mode: 'paid',
    version: '17.0',
    apps: ['mrp', 'stock', 'sale_management', 'purchase', 'point_of_sale', 'account_accountant', 'hr'],
    ageDays: 800,
    subcode: true,
    emailLimit: 500,
    mailsSent: 260,
    bounces: 11,
    duplicates: ['drop'],
  },
  {
    name: 'cabinet-leclerc',
    country: 'be',
    companies: [['Cabinet Leclerc Notaires', EUR]],
    mode: 'trial',
    version: 'saas~17.4',
    apps: ['documents', 'sign', 'account_accountant'],
    ageDays: 4,
    expireDays: 26,
    secure: true,
  },
  {
    name: 'nordisk-bageri',
    country: 'dk',
    companies: [['Nordisk Bageri ApS', EUR]],
    mode: 'paid',
    version: '16.0',
    apps: ['point_of_sale', 'mrp'],
    ageDays: 1300,
    legacyAdminLogin: true,
    subcode: true,
    adminLostRights: true,
  },
  {
    name: 'sunrise-relief',
    country: 'us',
    companies: [
      ['Sunrise Relief International', USD],
      ['Sunrise Relief Europe', EUR],
    ],
    mode: 'paid',
    version: '17.0',
    apps: ['mass_mailing', 'crm', 'website', 'website_event', 'account'],
    ageDays: 560,
    emailLimit: 2000,
    mailsSent: 400,
    bounces: 41,
    subcode: true,
  },
  {
    name: 'atelier-velo-lyon',
    country: 'fr',
    companies: [['Atelier Vélo Lyon', EUR]],
    mode: 'trial',
    extraApps: false,
    version: '18.0',
    apps: ['sale_management'],
    ageDays: 1,
    expireDays: 14,
  },
  {
    name: 'ferreira-arquitetos',
    country: 'pt',
    companies: [['Ferreira Arquitetos Lda', EUR]],
    mode: 'paid',
    version: 'saas~17.4',
    apps: ['project', 'hr_timesheet', 'account'],
    ageDays: 210,
    subcode: true,
  },
  {
    name: 'greenfield-dental',
    country: 'us',
    companies: [['Greenfield Dental Clinic PC', USD]],
    mode: 'paid',
    version: '18.0',
    apps: ['appointment', 'account_accountant', 'hr'],
    ageDays: 150,
    secure: true,
    subcode: true,
  },
  {
    name: 'bodega-las-vinas',
    country: 'es',
    companies: [
      ['Bodega Las Viñas S.A.', EUR],
      ['Bodega Las Viñas Export', EUR, 0],
    ],
    mode: 'paid',
    version: '17.0',
    apps: ['stock', 'mrp', 'sale_management', 'website_sale', 'account_accountant'],
    ageDays: 450,
    subcode: true,
    mailsSent: 90,
    bounces: 4,
  },
  {
    name: 'tischlerei-huber',
    country: 'de',
    companies: [['Tischlerei Huber', EUR]],
    mode: 'trial',
    version: '16.0',
    apps: ['mrp', 'project', 'purchase'],
    ageDays: 14,
    expireDays: 1,
  },
  {
    name: 'kitabu-schools',
    country: 'ke',
    companies: [['Kitabu Schools Trust', USD]],
    mode: 'trial',
    extraApps: false,
    version: '17.0',
    apps: ['website'],
    ageDays: 5,
    expireDays: 10,
  },
  {
    name: 'bytesmith-consulting',
    country: 'ie',
    companies: [['ByteSmith Consulting Ltd', EUR]],
    mode: 'paid',
    version: '18.0',
    apps: ['project', 'hr_timesheet', 'helpdesk', 'crm', 'account_accountant'],
    ageDays: 260,
    subcode: true,
    duplicates: ['trial'],
  },
  {
    name: 'fleur-de-lys',
    country: 'fr',
    companies: [['Fleur de Lys Fleuriste', EUR]],
    mode: 'drop',
    version: '17.0',
    apps: ['point_of_sale', 'website_sale'],
    ageDays: 40,
    expireDays: 20,
  },
  {
    name: 'harbor-law-group',
    country: 'us',
    companies: [['Harbor Law Group PC', USD]],
    mode: 'paid',
    version: '16.0',
    apps: ['documents', 'sign', 'account'],
    ageDays: 990,
    secure: true,
    subcode: true,
    expireDays: 60,
  },
  {
    name: 'copper-kettle-brewery',
    country: 'ie',
    companies: [['Copper Kettle Brewery Ltd', EUR]],
    mode: 'trial',
    version: 'saas~17.4',
    apps: ['mrp', 'stock', 'point_of_sale'],
    ageDays: 10,
    expireDays: 5,
  },
  {
    name: 'amani-women-collective',
    country: 'tz',
    companies: [['Amani Women Collective', USD]],
    mode: 'paid',
    version: '18.0',
    apps: ['website', 'mass_mailing', 'point_of_sale'],
    ageDays: 180,
    subcode: true,
    mailsSent: 60,
    bounces: 2,
  },
  {
    name: 'cafe-de-flore-gent',
    country: 'be',
    companies: [['Café De Flore Gent', EUR]],
    mode: 'trial',
    status: 'pending',
    extraApps: false,
    version: '17.0',
    apps: ['point_of_sale'],
    ageDays: 2,
    expireDays: 13,
  },
];

const NAMES: Record<Country, { first: string[]; last: string[] }> = {
  us: {
    first: ['Emily', 'James', 'Olivia', 'Michael', 'Ava', 'Daniel', 'Grace', 'Ethan'],
    last: ['Johnson', 'Carter', 'Nguyen', 'Brooks', 'Ramirez', 'Walsh', 'Patel', 'Reed'],
  },
  ca: {
    first: ['Chloé', 'Liam', 'Maya', 'Noah', 'Sophie', 'Owen'],
    last: ['Tremblay', 'MacDonald', 'Gagnon', 'Wilson', 'Roy', 'Campbell'],
  },
  uk: {
    first: ['Harriet', 'Oliver', 'Amelia', 'George', 'Imogen', 'Callum'],
    last: ['Smith', 'Hughes', 'Fletcher', 'Davies', 'Khan', 'Pritchard'],
  },
  ie: {
    first: ['Aoife', 'Cian', 'Niamh', 'Seán', 'Róisín', 'Darragh'],
    last: ['Murphy', "O'Brien", 'Byrne', 'Kelly', 'Doyle', 'Walsh'],
  },
  fr: {
    first: ['Camille', 'Julien', 'Léa', 'Thomas', 'Manon', 'Hugo', 'Chloé', 'Antoine'],
    last: ['Martin', 'Dupont', 'Lefèvre', 'Moreau', 'Girard', 'Leclerc', 'Fournier', 'Roux'],
  },
  be: {
    first: ['Lotte', 'Wout', 'Elise', 'Pieter', 'Amélie', 'Jonas'],
    last: ['Peeters', 'Janssens', 'Maes', 'Dubois', 'Claes', 'Lambert'],
  },
  nl: {
    first: ['Sanne', 'Daan', 'Femke', 'Bram', 'Lieke', 'Joris'],
    last: ['de Vries', 'van Dijk', 'Bakker', 'Visser', 'Smit', 'Mulder'],
  },
  de: {
    first: ['Lena', 'Jonas', 'Anna', 'Felix', 'Marie', 'Lukas'],
    last: ['Huber', 'Schneider', 'Fischer', 'Weber', 'Becker', 'Wagner'],
  },
  at: {
    first: ['Katharina', 'Florian', 'Johanna', 'Maximilian', 'Theresa'],
    last: ['Gruber', 'Pichler', 'Hofer', 'Moser', 'Steiner'],
  },
  dk: {
    first: ['Freja', 'Mikkel', 'Ida', 'Rasmus', 'Sofie'],
    last: ['Nielsen', 'Jensen', 'Hansen', 'Pedersen', 'Larsen'],
  },
  es: {
    first: ['Lucía', 'Javier', 'Carmen', 'Pablo', 'Elena', 'Álvaro'],
    last: ['García', 'Fernández', 'López', 'Martínez', 'Sánchez', 'Ruiz'],
  },
  it: {
    first: ['Giulia', 'Marco', 'Francesca', 'Luca', 'Chiara', 'Matteo'],
    last: ['Rossi', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Greco'],
  },
  pt: {
    first: ['Inês', 'João', 'Beatriz', 'Tiago', 'Mariana', 'Rui'],
    last: ['Ferreira', 'Silva', 'Santos', 'Costa', 'Oliveira', 'Pereira'],
  },
  ke: {
    first: ['Wanjiru', 'Otieno', 'Akinyi', 'Kamau', 'Njeri', 'Mwangi'],
    last: ['Kariuki', 'Odhiambo', 'Wambui', 'Mutua', 'Cheruiyot', 'Njoroge'],
  },
  tz: {
    first: ['Neema', 'Baraka', 'Amani', 'Rehema', 'Juma'],
    last: ['Mushi', 'Mollel', 'Massawe', 'Kimaro', 'Shayo'],
  },
  in: {
    first: ['Priya', 'Arjun', 'Ananya', 'Rohan', 'Kavya', 'Vikram'],
    last: ['Sharma', 'Gurung', 'Iyer', 'Thapa', 'Reddy', 'Bhatt'],
  },
};

const PORTAL_CUSTOMERS = [
  'brightside-catering',
  'lakeview-hotel',
  'hartley-events',
  'sunny-deli',
  'rivera-imports',
  'klein-logistik',
  'atlas-foods',
];
const IAP_SERVICES = [
  'sms',
  'partner_autocomplete',
  'invoice_ocr',
  'snailmail',
  'reveal',
  'sms',
  'partner_autocomplete',
];

const HOUR = 3_600_000;

export const DEMO_DATABASE_COUNT =
  PROFILES.length + PROFILES.reduce((n, p) => n + (p.duplicates?.length ?? 0), 0);

function asciiLocal(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '.')
    .replace(/^\.|\.$/g, '');
}

/** Every demo address is under `.example` (RFC 2606): the demo platform must never mail a real inbox. */
function mailDomain(dbName: string): string {
  return `${dbName}.example`;
}

function buildUsers(p: Profile, prng: Prng): DemoUser[] {
  const pool = NAMES[p.country];
  const domain = mailDomain(p.name);
  const taken = new Set<string>();
  const person = (): { name: string; local: string } => {
    for (;;) {
      const first = prng.pick(pool.first);
      const last = prng.pick(pool.last);
      const local = asciiLocal(first);
      if (!taken.has(local)) {
        taken.add(local);
        return { name: `${first} ${last}`, local };
      }
      if (taken.size >= pool.first.length) {
        const alt = `${local}.${asciiLocal(last)}`;
        if (!taken.has(alt)) {
          taken.add(alt);
          return { name: `${first} ${last}`, local: alt };
        }
      }
    }
  };
  const dormant = p.mode === 'drop';
  const recentLogin = (): number => (dormant ? prng.int(20, 90) : prng.int(0, 20));
  const companyCount = p.companies.length;

  const owner = person();
  const users: DemoUser[] = [
    {
      login: p.legacyAdminLogin ? 'admin' : `${owner.local}@${domain}`,
      name: owner.name,
      admin: !p.adminLostRights,
      share: false,
      active: true,
      password: DEMO_ADMIN_PASSWORD,
      lastLoginDaysAgo: dormant ? prng.int(15, 40) : prng.int(0, 3),
      company: 0,
    },
  ];
  const internal = prng.int(2, 4) + (companyCount > 1 ? 2 : 0);
  for (let i = 0; i < internal; i++) {
    const u = person();
    users.push({
      login: `${u.local}@${domain}`,
      name: u.name,
      // One extra administrator in some databases; the others have no admin rights.
      admin: i === 0 && (p.adminLostRights === true || prng.chance(0.4)),
      share: false,
      active: i === internal - 1 && internal > 2 ? false : true,
      password: DEMO_USER_PASSWORD,
      lastLoginDaysAgo: prng.chance(0.15) ? undefined : recentLogin(),
      company: companyCount > 1 ? (i + 1) % companyCount : 0,
    });
  }
  const sso = person();
  users.push({
    login: `${sso.local}@${domain}`,
    name: sso.name,
    admin: false,
    share: false,
    active: true,
    password: null,
    oauthUid: prng.digits(9),
    lastLoginDaysAgo: recentLogin(),
    company: 0,
  });
  const customer = prng.pick(PORTAL_CUSTOMERS);
  const portal = person();
  users.push({
    login: `${portal.local}@${customer}.example`,
    name: portal.name,
    admin: false,
    share: true,
    active: true,
    password: DEMO_USER_PASSWORD,
    lastLoginDaysAgo: prng.chance(0.5) ? undefined : prng.int(1, 60),
    company: 0,
  });
  return users;
}

function subcodeFor(start: Date, prng: Prng): string {
  const yymmdd = start.toISOString().slice(2, 10).replace(/-/g, '');
  return `M${yymmdd}${prng.digits(7)}`;
}

function buildDatabase(p: Profile, now: Date, prng: Prng): DemoDatabase {
  const createDate = new Date(
    now.getTime() - p.ageDays * DAY_MS - prng.int(0, 23) * HOUR - prng.int(0, 59) * 60_000,
  );
  const expireDays = p.expireDays === undefined ? (p.mode === 'trial' ? 15 : null) : p.expireDays;
  const expireDate =
    expireDays === null ? null : new Date(now.getTime() + expireDays * DAY_MS + prng.int(0, 20) * HOUR);
  const limit = p.emailLimit ?? (p.mode === 'trial' ? 50 : 200);
  const mailsSent = p.mailsSent ?? (p.mode === 'trial' ? prng.int(3, 30) : prng.int(10, 120));
  const dailyCount = p.mode === 'drop' ? 0 : Math.min(limit, prng.int(0, Math.ceil(limit / 3)));
  const iapCount = p.mode === 'paid' ? prng.int(1, 3) : prng.int(0, 1);
  const iapServices = [...new Set(Array.from({ length: iapCount }, () => prng.pick(IAP_SERVICES)))];
  return {
    metabase: {
      name: p.name,
      uuid: prng.uuid(),
      mode: p.mode,
      extra_apps: p.extraApps ?? true,
      status: p.status ?? 'open',
      expire_date: expireDate,
      version: p.version,
      subcode: p.subcode ? subcodeFor(new Date(createDate.getTime() + prng.int(0, 14) * DAY_MS), prng) : null,
      create_date: createDate,
      duplicate_of: null,
      secure: p.secure ?? false,
      email_daily_count: dailyCount,
      email_daily_limit: limit,
      ext_email_daily_count: Math.floor(dailyCount / prng.int(3, 6)),
      email_total_count: mailsSent + prng.int(0, 40),
      duplicate_limit: p.mode === 'paid' ? 5 : 3,
    },
    tenant: {
      companies: p.companies.map(([name, currency, parent]) =>
        parent === undefined ? { name, currency } : { name, currency, parent },
      ),
      users: buildUsers(p, prng),
      apps: p.apps,
      bounces: Math.min(p.bounces ?? (prng.chance(0.4) ? prng.int(1, 3) : 0), mailsSent),
      mailsSent,
      attachments: prng.int(2, 6),
      iapServices,
    },
    server: ON_SECOND_SERVER.has(p.name) ? 1 : 0,
  };
}

function buildDuplicate(
  source: DemoDatabase,
  mode: 'trial' | 'drop',
  n: number,
  now: Date,
  prng: Prng,
): DemoDatabase {
  const created = new Date(now.getTime() - prng.int(20, 200) * 60_000);
  return {
    metabase: {
      ...source.metabase,
      name: `${source.metabase.name}-dup-${n}`,
      // Odoo gives a duplicate a new database.uuid and database.secret (ir.config_parameter init(force=True)).
      uuid: prng.uuid(),
      mode,
      status: 'open',
      // Duplicates for testing live a few hours; a dropped one waits for the reaper.
      expire_date: new Date(now.getTime() + (mode === 'trial' ? 3 * HOUR : 2 * DAY_MS)),
      subcode: null,
      create_date: created,
      duplicate_of: source.metabase.name,
      email_daily_count: 0,
      email_daily_limit: 20,
      ext_email_daily_count: 0,
      email_total_count: 0,
      duplicate_limit: 0,
    },
    tenant: { ...source.tenant, users: source.tenant.users.map((u) => ({ ...u })), neutralized: true },
    server: source.server,
  };
}

/**
 * The demo spreads its databases over the embedded default's two hosting servers: these live on
 * the second one (a duplicate stays beside its source, as the duplicate operation keeps it).
 */
const ON_SECOND_SERVER = new Set([
  'hope-for-water',
  'brauhaus-alpenblick',
  'studio-legale-rossi',
  'kaffeehaus-leopold',
  'greenleaf-reforestation',
  'himalayan-trails-trust',
  'pastelaria-belem-nova',
  'cabinet-leclerc',
  'nordisk-bageri',
  'sunrise-relief',
  'atelier-velo-lyon',
  'ferreira-arquitetos',
  'greenfield-dental',
  'bodega-las-vinas',
  'bytesmith-consulting',
]);

/** The demo platform's hosted databases: the same list for the same `now`. */
export function demoDatabases(now: Date): DemoDatabase[] {
  const out: DemoDatabase[] = [];
  const duplicates: DemoDatabase[] = [];
  for (const p of PROFILES) {
    const prng = new Prng(`dbtools-demo:${p.name}`);
    const db = buildDatabase(p, now, prng);
    out.push(db);
    (p.duplicates ?? []).forEach((mode, i) => duplicates.push(buildDuplicate(db, mode, i + 1, now, prng)));
  }
  return [...out, ...duplicates];
}
