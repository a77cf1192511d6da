// Regenerate apps/analyses/analyzers/data/axe.json from the axe-core npm package:
//   cd "$(mktemp -d)" && npm install axe-core@4.14.1 && node /path/to/scripts/update_axe_data.js OUT
// It copies axe-core's ARIA and HTML standards tables and each rule's published
// metadata (impact, tags, help text, help URL) so the static rules use axe's own
// data instead of a hand-typed copy. axe-core is MPL-2.0 (https://github.com/dequelabs/axe-core).
const axe = require(require.resolve("axe-core", { paths: [process.cwd()] }));
const fs = require("fs");
const standards = axe.utils.getStandards();
const published = Object.fromEntries(axe.getRules().map(r => [r.ruleId, r]));
const rules = {};
for (const rule of axe._audit.rules) {
  const meta = published[rule.id] || {};
  rules[rule.id] = {
    impact: rule.impact || null,
    tags: rule.tags,
    description: meta.description,
    help: meta.help,
    help_url: meta.helpUrl,
  };
}
const out = {
  source: `axe-core ${axe.version} (MPL-2.0), lib/standards and lib/rules`,
  version: axe.version,
  aria_roles: standards.ariaRoles,
  aria_attrs: standards.ariaAttrs,
  html_elms: standards.htmlElms,
  rules,
};
fs.writeFileSync(process.argv[2], JSON.stringify(out, null, 1) + "\n");
