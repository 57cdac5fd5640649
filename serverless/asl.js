/**
 * The state machine definition as one JSON string, for
 * `DefinitionString: ${file(./serverless/asl.js):definition}`.
 *
 * Loading the file through a function keeps its `${Placeholder}` tokens for
 * CloudFormation's DefinitionSubstitutions: the framework re-reads resolved
 * strings for variables, but only `${source:address}` forms are variables to
 * it, and a bare `${Name}` is left as written.
 */
const fs = require('node:fs');
const path = require('node:path');

const ASL_FILE = path.resolve(__dirname, '..', 'statemachines', 'incident-recovery.asl.json');

function definition() {
  const text = fs.readFileSync(ASL_FILE, 'utf8');
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path.relative(process.cwd(), ASL_FILE)} is not valid JSON: ${error.message}`, { cause: error });
  }
  return JSON.stringify(doc);
}

/** Every `${Name}` placeholder of the definition, sorted. */
function placeholders() {
  return [...new Set(definition().match(/\$\{[A-Za-z0-9_]+\}/g) ?? [])].map((p) => p.slice(2, -1)).sort();
}

module.exports = { ASL_FILE, definition, placeholders };
