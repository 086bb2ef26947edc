/**
 * The layout and dependency direction of ../shared/DESIGN.md, checked by `npm run lint`:
 * machines are pure; tools and effects describe themselves over interfaces; the runtime names no
 * concrete adapter, tool or effect; only the composition roots name adapters; src never imports
 * test/, evals/ or bench/; and there is no import cycle (type-only imports count too).
 */
const ADAPTERS = [
  '^src/store/(sqlite-driver|postgres-driver|sql-store)\\.ts$',
  '^src/backends/(embedded/|smtp-mailer)',
  '^src/models/(claude|offline)',
  '^src/operators/sql-accounts\\.ts$',
  '^src/limits/',
  '^src/observability/',
];
/** Files allowed to name concrete adapters: composition roots (the server, the CLIs). */
const ROOTS = '^src/(main|cli)\\.ts$|^src/mcp/stdio\\.ts$|^src/inspect/cli\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Import cycles (type-only ones too) make layers depend on each other.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'machines-are-pure',
      severity: 'error',
      comment: 'The machine imports only xstate, zod and itself (no I/O, no runtime, no tools).',
      from: { path: '^src/machines/' },
      to: { pathNot: ['^src/machines/', '^node_modules/(xstate|zod)/'] },
    },
    {
      name: 'tools-see-interfaces',
      severity: 'error',
      comment: 'Tools import the machine, backend interfaces, policy and money, never the runtime or adapters.',
      from: { path: '^src/tools/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/tools/',
          '^src/machines/',
          '^src/backends/types\\.ts$',
          '^src/effects/(outcomes|code-hash)\\.ts$',
          '^src/models/types\\.ts$',
          '^src/(policy|money)\\.ts$',
        ],
      },
    },
    {
      name: 'effects-see-interfaces',
      severity: 'error',
      comment: 'Effect modules import the machine, backend interfaces and utilities, never the runtime or adapters.',
      from: { path: '^src/effects/' },
      to: {
        path: '^src/',
        pathNot: ['^src/effects/', '^src/machines/', '^src/backends/types\\.ts$', '^src/(policy|money|retry)\\.ts$'],
      },
    },
    {
      name: 'runtime-names-no-concrete-part',
      severity: 'error',
      comment: 'The runtime takes its tools, effects, model, store and backends as dependencies.',
      from: { path: '^src/runtime/' },
      to: {
        path: [
          ...ADAPTERS,
          '^src/tools/(?!types\\.ts$|to-anthropic\\.ts$)',
          '^src/effects/(?!types\\.ts$|outcomes\\.ts$)',
          '^src/(api|web|mcp|inspect)/',
        ],
      },
    },
    {
      name: 'models-see-only-their-interface',
      severity: 'error',
      from: { path: '^src/models/' },
      to: { path: '^src/', pathNot: ['^src/models/'] },
    },
    {
      name: 'adapters-only-in-roots',
      severity: 'error',
      comment: 'Only main.ts and the CLIs name concrete adapters (a test may, of course).',
      from: { path: '^src/', pathNot: [ROOTS, ...ADAPTERS, '^src/api/'] },
      to: { path: ADAPTERS, pathNot: ['^src/limits/rate-spec\\.ts$'] },
    },
    {
      name: 'api-uses-only-http-infrastructure',
      severity: 'error',
      comment: 'The HTTP layer may log and count requests; stores, backends and models reach it through the runtime.',
      from: { path: '^src/api/' },
      to: { path: ADAPTERS, pathNot: ['^src/observability/(logger|metrics|http)\\.ts$'] },
    },
    {
      name: 'src-stands-alone',
      severity: 'error',
      comment: 'test/, evals/ and bench/ import src, never the reverse.',
      from: { path: '^src/' },
      to: { path: '^(test|evals|bench)/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/web/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
