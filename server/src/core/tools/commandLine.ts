/**
 * Splits a command line as a POSIX shell would split words, without running a shell: no variables, globs,
 * pipes or redirections — the words are handed to the program as they are. Quotes: '…' keeps everything
 * literally, "…" keeps everything but `\"` and `\\`, a backslash outside quotes escapes the next character.
 */
export function splitCommandLine(line: string): { argv: string[] } | { error: string } {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return { error: 'the command ends with a lone backslash' };
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) return { error: `a ${quote === '"' ? 'double' : 'single'} quote is not closed` };
  if (inWord) argv.push(word);
  if (argv.length === 0) return { error: 'the command is empty' };
  return { argv };
}

/** A command line for messages and for the file that records it: each word quoted only when it needs it. */
export function joinCommandLine(argv: readonly string[]): string {
  return argv.map((w) => (w !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}
