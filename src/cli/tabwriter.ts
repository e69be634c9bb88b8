/**
 * Go's `text/tabwriter` with a space pad character and no flags, which is
 * what Docker and Compose print their tables through: text whose cells end
 * in `\t` is laid out in columns, each as wide as its widest cell plus
 * `padding` and at least `minWidth`. A line's last cell (the text after its
 * last tab) is not part of a column and is never padded; a line without a
 * tab ends every column above it. Ported from the algorithm (not the code)
 * so that `images`, `ls` and `top` print byte for byte what Compose prints,
 * trailing spaces included.
 */

interface Cell {
  text: string;
  /** Width in characters (Go counts runes). */
  width: number;
}

/** `text` (lines of `\t`-terminated cells) laid out as Go's `tabwriter.NewWriter(out, minWidth, 1, padding, ' ', 0)` writes it. */
export function tabwrite(text: string, minWidth: number, padding: number): string {
  const out: string[] = [];
  let block: Cell[][] = [];
  const lines = text.split('\n');
  const ends = text.endsWith('\n');
  if (ends) lines.pop();
  lines.forEach((raw, i) => {
    const cells = raw.split('\t').map((t) => ({ text: t, width: [...t].length }));
    block.push(cells);
    // A line of one cell (no tab) ends the column block: Go flushes there.
    if (cells.length === 1) {
      out.push(layout(block, minWidth, padding, ends || i < lines.length - 1));
      block = [];
    }
  });
  if (block.length) out.push(layout(block, minWidth, padding, ends));
  return out.join('');
}

/** The lines of one flushed segment, laid out; `lastNewline`: whether its last line ends in `\n`. */
function layout(lines: Cell[][], minWidth: number, padding: number, lastNewline: boolean): string {
  const widths: number[] = [];
  const written: string[] = [];
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const line = lines[i]!;
      written.push(line.map((c, j) => (j < widths.length ? c.text + ' '.repeat(Math.max(0, widths[j]! - c.width)) : c.text)).join(''));
    }
  };
  // Go's format(): a column block is a run of consecutive lines that have a
  // terminated cell in this column; its width is fixed, then the block is
  // formatted recursively for the next column.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let from = line0;
    for (let at = line0; at < line1; at++) {
      if (column >= lines[at]!.length - 1) continue;
      writeLines(from, at);
      from = at;
      let width = minWidth;
      for (; at < line1 && column < lines[at]!.length - 1; at++) width = Math.max(width, lines[at]![column]!.width + padding);
      widths.push(width);
      format(from, at);
      widths.pop();
      from = at;
      at--; // the loop's at++ comes back to the first line after the block
    }
    writeLines(from, line1);
  };
  format(0, lines.length);
  return written.map((l, i) => (i < written.length - 1 || lastNewline ? `${l}\n` : l)).join('');
}
