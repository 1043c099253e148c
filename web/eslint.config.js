// ESLint (flat config) for the app's own scripts in web/static/js, run by scripts/test.sh.
// The scripts are plain browser files (no bundler, no modules) sharing globals through window.
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      globals: { ...globals.browser, L: "readonly", uPlot: "readonly" },
    },
    rules: {
      ...js.configs.recommended.rules,
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      eqeqeq: ["error", "smart"],
      "no-implicit-globals": "error",
    },
  },
];
