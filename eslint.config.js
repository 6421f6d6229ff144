import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Who may import whom (docs/architecture.md): each rule below is one line of that table, enforced on static imports
// and re-exports (no-restricted-imports) and on dynamic import() (no-restricted-syntax), so breaking one fails
// `npm run lint`. Paths in this repository are relative, so a rule names the folders an import may not reach.

/** A relative import that reaches one of `folders` (a path segment `folder/`). */
const reaching = (...folders) => `(^|/)(${folders.join('|')})/`;
/** Packages and built-ins that do I/O or talk to AWS: pure code imports none of them. */
const IO = '^(@aws-sdk/|(node:)?(net|tls|fs|fs/promises|http|https|http2|dgram|dns|child_process|cluster)$)';

const rule = (regex, message) => ({ regex, message });

// shared/ is below everything that runs it.
const SHARED = [rule(reaching('listener', 'functions', 'cli', 'infra', 'test'), 'shared/ never imports listener/, functions/, cli/, infra/ or test/')];
const PURE = [
  rule(IO, 'pure code: no AWS SDK, sockets or files'),
  rule(reaching('issuers', 'store', 'notify', 'signing', 'config', 'admin', 'util'), 'pure code imports the model, the ports, the domain rules and errors only'),
];

const LAYERS = [
  { name: 'the model', files: ['shared/model.ts'], rules: [rule('^\\.', 'the model imports nothing of this repository')] },
  {
    name: 'ports',
    files: ['shared/ports/**/*.ts'],
    rules: [rule('^\\.\\./(?!model\\.ts$)', 'ports depend on the model and nothing else'), rule('^(?!node:|\\.)', 'ports import no package')],
  },
  { name: 'util', files: ['shared/util/**/*.ts'], rules: [...SHARED, rule('^\\.\\./(?!errors\\.ts$)', 'shared/util imports only errors.ts of this repository')] },
  { name: 'domain rules', files: ['shared/domain/**/*.ts'], rules: [...SHARED, ...PURE, rule(reaching('pki', 'protocol'), 'domain rules sit below pki and protocol')] },
  { name: 'pki', files: ['shared/pki/**/*.ts'], rules: [...SHARED, ...PURE, rule(reaching('protocol'), 'pki sits below protocol')] },
  { name: 'protocol', files: ['shared/protocol/**/*.ts'], rules: [...SHARED, ...PURE] },
  { name: 'monitor rules', files: ['shared/monitor/**/*.ts'], rules: [...SHARED, ...PURE, rule(reaching('protocol'), 'the monitor rules need certificates, not the wire protocol')] },
  {
    name: 'signing',
    files: ['shared/signing/**/*.ts'],
    rules: [...SHARED, rule(reaching('issuers', 'store', 'notify', 'config', 'admin', 'schedule'), 'the sign service works on the ports; adapters are handed to it')],
  },
  {
    name: 'monitor service',
    files: ['shared/monitor-service/**/*.ts'],
    rules: [...SHARED, rule(reaching('issuers', 'store', 'notify', 'config', 'admin', 'schedule'), 'the monitor service works on the ports; adapters are handed to it')],
  },
  {
    name: 'admin',
    files: ['shared/admin/**/*.ts'],
    rules: [...SHARED, rule(IO, 'the admin service works on the ports, not on AWS'), rule(reaching('issuers', 'store', 'notify', 'config', 'schedule'), 'the admin service works on the ports; adapters are handed to it')],
  },
  { name: 'issuers', files: ['shared/issuers/**/*.ts'], rules: [...SHARED, rule(reaching('store', 'notify', 'signing', 'admin', 'config', 'schedule'), 'issuers are adapters: they import the domain, not other adapters or services')] },
  { name: 'store', files: ['shared/store/**/*.ts'], rules: [...SHARED, rule(reaching('issuers', 'notify', 'signing', 'admin', 'config', 'schedule'), 'stores are adapters: they import the domain, not other adapters or services')] },
  { name: 'notify', files: ['shared/notify/**/*.ts'], rules: [...SHARED, rule(reaching('issuers', 'store', 'signing', 'admin', 'config', 'schedule'), 'notifiers are adapters: they import the domain, not other adapters or services')] },
  { name: 'schedule', files: ['shared/schedule/**/*.ts'], rules: [...SHARED, rule(reaching('issuers', 'store', 'notify', 'signing', 'admin', 'config'), 'schedulers are adapters: they import the domain, not other adapters or services')] },
  { name: 'the rest of shared', files: ['shared/*.ts', 'shared/config/**/*.ts'], ignores: ['shared/model.ts'], rules: SHARED },
  { name: 'listener', files: ['listener/**/*.ts'], rules: [rule(reaching('cli', 'test', 'functions', 'infra'), 'the listener image holds shared/ and listener/ only: no cli/, test/, functions/ or infra/')] },
  { name: 'functions', files: ['functions/**/*.ts'], rules: [rule(reaching('cli', 'test', 'listener', 'infra'), 'functions import shared/ and their own folder only')] },
  { name: 'infra', files: ['infra/**/*.ts'], rules: [rule(reaching('shared', 'listener', 'functions', 'cli', 'test'), 'infra is CDK only: it knows function entries by path and imports no runtime code')] },
  { name: 'cli', files: ['cli/**/*.ts'], rules: [rule(reaching('test'), 'the shipped CLI imports no test code')] },
];

/** The same patterns for import() expressions, which no-restricted-imports does not see: a literal path, or each
 *  fixed part of a template path (`./${kind}/factory.ts`). */
function dynamicImports(rules) {
  return rules.flatMap(({ regex, message }) => {
    const pattern = regex.replaceAll('/', '\\/');
    return [
      { selector: `ImportExpression > Literal.source[value=/${pattern}/]`, message: `${message} (dynamic import)` },
      { selector: `ImportExpression > TemplateLiteral.source > TemplateElement[value.raw=/${pattern}/]`, message: `${message} (dynamic import)` },
    ];
  });
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...LAYERS.map((layer) => ({
    name: `capf/imports: ${layer.name}`,
    files: layer.files,
    ...(layer.ignores ? { ignores: layer.ignores } : {}),
    rules: {
      'no-restricted-imports': ['error', { patterns: layer.rules }],
      'no-restricted-syntax': ['error', ...dynamicImports(layer.rules)],
    },
  })),
);
