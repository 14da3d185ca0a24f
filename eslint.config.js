import tseslint from 'typescript-eslint';

/**
 * The layers of docs/architecture.md: a folder may import only from the folders below it.
 * `forbid` names, for each folder, the folders above it (matched anywhere in an import path).
 */
const LAYERS = [
  { files: ['lib/**'], forbid: ['server', 'adapters', 'config', 'resource_server', 'examples'] },
  { files: ['adapters/**'], forbid: ['server', 'resource_server', 'examples', 'config'] },
  { files: ['resource_server/**'], forbid: ['server', 'adapters', 'config', 'examples'] },
  {
    files: ['server/ops/**'],
    forbid: ['policy', 'accounts', 'clients', 'token', 'pages', 'interactions', 'provider', 'admin', 'approval'],
  },
  {
    files: ['server/policy/**'],
    forbid: ['koa', 'ops', 'accounts', 'clients', 'token', 'pages', 'interactions', 'provider', 'admin', 'approval'],
  },
  { files: ['server/pages/**'], forbid: ['policy', 'accounts', 'clients', 'token', 'interactions', 'provider', 'admin', 'approval'] },
  { files: ['server/accounts/**'], forbid: ['clients', 'token', 'pages', 'interactions', 'provider', 'admin', 'approval'] },
  { files: ['server/clients/**'], forbid: ['accounts', 'token', 'pages', 'interactions', 'provider', 'admin', 'approval'] },
  { files: ['server/token/**'], forbid: ['pages', 'interactions', 'provider', 'admin', 'approval'] },
  { files: ['server/interactions/**'], forbid: ['token', 'provider', 'admin'] },
  { files: ['server/provider/**'], forbid: ['interactions', 'admin', 'approval'] },
];

function layerRule({ files, forbid }) {
  const group = forbid.flatMap((dir) => (dir === 'koa' ? ['koa'] : [`**/${dir}/*`, `**/${dir}`]));
  const message = `${files[0]} sits below ${forbid.join(', ')}: see docs/architecture.md "Layers"`;
  return { files, rules: { 'no-restricted-imports': ['error', { patterns: [{ group, message }] }] } };
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', 'test/support/reporter.cjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  { files: ['test/**', 'bench/**', 'scripts/**'], rules: { 'no-console': 'off', '@typescript-eslint/no-unused-expressions': 'off' } },
  ...LAYERS.map(layerRule),
);
