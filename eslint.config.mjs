import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.waymark/**', '*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'error',
      // Published numerical constants (Lanczos, Acklam) carry more digits than a double; that is harmless.
      'no-loss-of-precision': 'off',
    },
  },
  { files: ['test/**/*.ts', 'src/cli/**/*.ts'], rules: { 'no-console': 'off' } },
);
