// The tally of a fuzz run: every request sent and what came back, checked as it arrives (answers and log lines are
// scanned for secrets on the spot, so nothing is kept that would weigh on the heap measurement).
import { checkAnswer, secretScanner, type SecretScanner } from './check-answer.js';
import { describeRequest, type Answer, type FuzzRequest } from './fuzz-request.js';

const MAX_KEPT_FAILURES = 20;
/** The longest log line a request may cause: its error is bounded (see MAX_ERROR_BODY_BYTES), its path by Node's 16 KB header limit. */
export const MAX_LOG_LINE_CHARS = 32_000;

export class FuzzLedger {
  sent = 0;
  bytesSent = 0;
  readonly byCategory: Record<string, number> = {};
  readonly byOutcome: Record<string, number> = {};
  /** Secrets found in answers or log lines: where, and which. */
  readonly leaks: string[] = [];
  logLines = 0;
  /** Log lines that are not one JSON object each. */
  readonly malformedLogLines: string[] = [];
  /** Log lines at level error or fatal (an internal error is logged at error level). */
  readonly errorLogLines: string[] = [];
  /** Log lines over MAX_LOG_LINE_CHARS: a client made the proxy log its input in bulk. */
  readonly oversizedLogLines: string[] = [];
  slowest = { ms: 0, request: '' };
  private readonly scanner: SecretScanner;

  constructor(secrets: Record<string, string>) {
    this.scanner = secretScanner(secrets);
  }

  /** Checks one answer, tallies it, scans it for secrets; returns its problems (empty when it is right). */
  record(request: FuzzRequest, answer: Answer): string[] {
    this.sent++;
    this.bytesSent += request.via === 'http' ? (request.body?.length ?? 0) : request.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    this.byCategory[request.category] = (this.byCategory[request.category] ?? 0) + 1;
    const outcome = answer.kind === 'response' ? String(answer.status) : answer.kind;
    this.byOutcome[outcome] = (this.byOutcome[outcome] ?? 0) + 1;
    if (answer.ms > this.slowest.ms) this.slowest = { ms: answer.ms, request: describeRequest(request).slice(0, 300) };
    if (answer.kind === 'response') {
      const text = `${JSON.stringify(answer.headers)}\n${answer.body.toString('utf8')}\n${answer.body.toString('latin1')}`;
      for (const found of this.scanner.scan(text)) this.keep(this.leaks, `${found} in the answer to ${describeRequest(request).slice(0, 200)}`);
    }
    const verdict = checkAnswer(request, answer);
    return verdict.problems.map((problem) => `${problem}\n    request: ${describeRequest(request)}`);
  }

  /** Every line the proxy logs comes through here. */
  logLine(line: string): void {
    this.logLines++;
    if (line.length > MAX_LOG_LINE_CHARS) this.keep(this.oversizedLogLines, `${line.length} characters: ${line.slice(0, 300)}`);
    for (const found of this.scanner.scan(line)) this.keep(this.leaks, `${found} in a log line: ${line.slice(0, 300)}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.keep(this.malformedLogLines, line.slice(0, 300));
      return;
    }
    const level = (parsed as { level?: unknown } | null)?.level;
    if (typeof level !== 'number') this.keep(this.malformedLogLines, line.slice(0, 300));
    else if (level >= 50) this.keep(this.errorLogLines, line.slice(0, 2000));
  }

  summary(): string {
    return JSON.stringify(
      {
        sent: this.sent,
        megabytesSent: Math.round(this.bytesSent / 1e5) / 10,
        byCategory: this.byCategory,
        byOutcome: this.byOutcome,
        logLines: this.logLines,
        slowest: this.slowest,
      },
      null,
      2,
    );
  }

  private keep(list: string[], entry: string): void {
    if (list.length < MAX_KEPT_FAILURES) list.push(entry);
  }
}
