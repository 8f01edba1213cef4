// Lint rules that protect the two things that break Temporal apps silently:
// promises nobody awaits, and non-deterministic code inside workflows.
import tseslint from 'typescript-eslint';

const workflowForbiddenModules = [
  'fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'dns', 'tls', 'zlib',
  'worker_threads', 'cluster', 'dgram', 'readline', 'stream', 'timers', 'util',
  'mysql2', 'mysql2/promise', 'etcd3', '@vlasky/zongji', '@grpc/grpc-js',
  '@temporalio/activity', '@temporalio/worker', '@temporalio/client', '@temporalio/testing',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vtmigrate/**', '.tools/**', 'bin/**', 'eslint.config.mjs'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: workflowForbiddenModules.map((name) => ({ name, message: 'workflow code must stay deterministic: do I/O in activities' })),
        patterns: [{ group: ['node:*'], message: 'Node built-ins are not available in workflow code' }],
      }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'use Temporal time (Date inside workflows is replay-safe only via the SDK); prefer workflow APIs' },
        { object: 'Math', property: 'random', message: 'use uuid4() from @temporalio/workflow' },
        { object: 'process', message: 'no process access in workflow code' },
      ],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' },
        { name: 'setInterval', message: 'use sleep() in a loop' },
        { name: 'process', message: 'no process access in workflow code' },
        { name: 'Buffer', message: 'Buffer is a Node built-in' },
        { name: 'performance', message: 'no clocks in workflow code: use workflow time' },
      ],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'no clocks in workflow code: the current time comes from src/workflows/clock.ts' },
        { selector: "CallExpression[callee.name='Date']", message: 'no clocks in workflow code: the current time comes from src/workflows/clock.ts' },
      ],
    },
  },
);
