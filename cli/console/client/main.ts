// The console in the browser: the session (CSRF token), the navigation and a router on the address's hash
// (#/devices, #/device/NAME, #/templates, #/csv, #/bulk, #/bulk/ID, #/certificates, #/trust, #/ca, #/parameters, #/audit).
import { startSession } from './api.ts';
import { h } from './dom.ts';
import { auditPage } from './pages/audit.ts';
import { bulkJobPage, bulkPage } from './pages/bulk.ts';
import { caPage } from './pages/ca.ts';
import { certificatesPage } from './pages/certificates.ts';
import { csrsPage } from './pages/csrs.ts';
import { csvPage } from './pages/csv.ts';
import { devicePage } from './pages/device.ts';
import { devicesPage } from './pages/devices.ts';
import { parametersPage } from './pages/parameters.ts';
import { templatesPage } from './pages/templates.ts';
import { trustPage } from './pages/trust.ts';

const SECTIONS: [string, string][] = [
  ['devices', 'Devices'],
  ['templates', 'Templates'],
  ['csv', 'CSV'],
  ['bulk', 'Bulk jobs'],
  ['certificates', 'Certificates'],
  ['csrs', 'CSRs'],
  ['trust', 'Trust stores'],
  ['ca', 'CAPF certificate'],
  ['parameters', 'Parameters'],
  ['audit', 'Audit log'],
];

function route(): void {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = hash.split('?');
  const params = new URLSearchParams(search);
  const [section = 'devices', ...rest] = path.split('/');
  for (const link of document.querySelectorAll<HTMLAnchorElement>('#nav a')) {
    if (link.dataset.section === section || (section === 'device' && link.dataset.section === 'devices')) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (section === 'device' && rest.length > 0) return void devicePage(decodeURIComponent(rest.join('/')));
  if (section === 'templates') return templatesPage(params);
  if (section === 'csv') return csvPage();
  if (section === 'bulk') return rest.length > 0 ? void bulkJobPage(decodeURIComponent(rest.join('/'))) : bulkPage();
  if (section === 'certificates') return void certificatesPage();
  if (section === 'csrs') return void csrsPage(params);
  if (section === 'trust') return void trustPage();
  if (section === 'ca') return void caPage();
  if (section === 'parameters') return void parametersPage();
  if (section === 'audit') return auditPage(params);
  return devicesPage(params);
}

async function boot(): Promise<void> {
  const nav = document.getElementById('nav')!;
  nav.replaceChildren(...SECTIONS.map(([key, label]) => h('a', { href: `#/${key}`, 'data-section': key }, label)));
  // Reads need no CSRF token: the first page loads while the session (for changes) is fetched beside it.
  window.addEventListener('hashchange', route);
  route();
  try {
    const session = await startSession();
    document.getElementById('target')!.textContent = session.local ? `local stack · ${session.target}` : session.target;
  } catch (error) {
    window.removeEventListener('hashchange', route);
    document.getElementById('main')!.replaceChildren(h('h1', {}, 'No session'), h('p', { class: 'error', role: 'alert' }, (error as Error).message));
  }
}

void boot();
