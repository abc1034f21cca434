import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Route, Routes } from 'react-router';
import { Shell } from './components/Shell.js';
import { LoginPage } from './pages/Login.js';
import { LogsPage } from './pages/Logs.js';
import { NotFoundPage } from './pages/NotFound.js';
import { OutboxPage } from './pages/Outbox.js';
import { PolicyPage } from './pages/Policy.js';
import { SearchPage } from './pages/Search.js';
import { ServersPage } from './pages/Servers.js';
import { ToolsPage } from './pages/Tools.js';
import { SessionProvider } from './session.js';
import './styles.css';
import { labelTableCells } from './table-labels.js';

const root = document.getElementById('root')!;
labelTableCells(root);
createRoot(root).render(
  <StrictMode>
    <SessionProvider>
      <BrowserRouter>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route element={<Shell />}>
            <Route index element={<SearchPage />} />
            <Route path="databases/:name" element={<ToolsPage />} />
            <Route path="databases/:name/logs" element={<LogsPage />} />
            <Route path="policy" element={<PolicyPage />} />
            <Route path="outbox/:id?" element={<OutboxPage />} />
            <Route path="servers" element={<ServersPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </SessionProvider>
  </StrictMode>,
);
