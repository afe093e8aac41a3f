// Prints the text of a PDF as JSON ({ pages: [[line, ...], ...], info }) using pdfjs-dist's legacy
// build. It runs in its own Node process because pdfjs-dist is ESM-only and jest runs CommonJS.
import { readFile } from 'node:fs/promises';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const data = new Uint8Array(await readFile(process.argv[2]));
const pdf = await getDocument({ data, useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
const pages = [];
for (let i = 1; i <= pdf.numPages; i += 1) {
  const page = await pdf.getPage(i);
  const content = await page.getTextContent();
  // Group text items into lines by their baseline, top to bottom, left to right.
  const lines = new Map();
  for (const item of content.items) {
    if (!('str' in item) || item.str.trim() === '') continue;
    const y = Math.round(item.transform[5]);
    const line = lines.get(y) ?? [];
    line.push({ x: item.transform[4], str: item.str });
    lines.set(y, line);
  }
  pages.push(
    [...lines.entries()]
      .sort((a, b) => b[0] - a[0])
      .map(([, items]) => items.sort((a, b) => a.x - b.x).map((it) => it.str)),
  );
}
const meta = await pdf.getMetadata();
process.stdout.write(JSON.stringify({ pages, info: meta.info }));
