// Parse a CSV the way Polis's server parses a bulk seed upload: csv-parse with columns: true.
// Prints the records as JSON so a Python test can check them.
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";

const records = parse(readFileSync(process.argv[2]), { columns: true, skip_empty_lines: true });
process.stdout.write(JSON.stringify(records));
