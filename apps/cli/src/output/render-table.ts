/** Renders rows as a plain, aligned text table with a header rule. */
export function renderTable(
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => visibleLength(row[column] ?? ''))),
  )
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, column) => cell + ' '.repeat(Math.max(0, widths[column]! - visibleLength(cell))))
      .join('  ')
      .trimEnd()
  return [line(headers), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n')
}

function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
  return text.replace(/\u001b\[\d+m/g, '').length
}
