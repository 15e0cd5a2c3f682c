/** Plain data shared by every core module. Nothing here knows about LSP, VS Code or the file system. */

export type Severity = 'error' | 'warning' | 'info';

/** 0-based line and UTF-16 character, as in LSP. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** Half-open span of UTF-16 code-unit offsets into a file's text. */
export interface Span {
  start: number;
  end: number;
}

/** A text edit inside one file, in offsets. */
export interface TextEditSpan {
  file: string;
  span: Span;
  newText: string;
}

/** A safe edit offered for a diagnostic (a quick fix). */
export interface Fix {
  title: string;
  edits: TextEditSpan[];
  /** The preferred fix for this diagnostic (applied by "fix all"). */
  preferred?: boolean;
}

/** A finding before it is placed in a file: offsets, not lines. */
export interface Finding {
  code: string;
  /** Set when the finding belongs to another file than the one being analysed (an imported tool list). */
  file?: string;
  message: string;
  span: Span;
  /** Severity when the finding itself is weaker than its rule's level (Cedar validator warnings). */
  severity?: Severity;
  policyId?: string;
  fixes?: Fix[];
  related?: RelatedSpan[];
}

/** Another place that explains a finding (the first declaration of a duplicate, say), in offsets. */
export interface RelatedSpan {
  file: string;
  span: Span;
  message: string;
}

export interface RelatedInfo {
  file: string;
  range: Range;
  message: string;
}

/** A diagnostic as it leaves the core: the shape the CLI prints and the server publishes. */
export interface CoreDiagnostic {
  file: string;
  range: Range;
  severity: Severity;
  code: string;
  message: string;
  policyId?: string;
  fixes?: FixWithRanges[];
  related?: RelatedInfo[];
}

export interface FixWithRanges {
  title: string;
  preferred?: boolean;
  edits: { file: string; range: Range; newText: string }[];
}

export const SEVERITY_ORDER: Record<Severity, number> = { info: 1, warning: 2, error: 3 };

/** Result of every parser in the core: never throws on user input. */
export interface Parsed<T> {
  value: T | undefined;
  findings: Finding[];
}
