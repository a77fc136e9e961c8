import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A pass-through that hashes (SHA-256) and counts the bytes going by. */
export class DigestStream extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

/**
 * A pass-through that counts COPY text-format rows: each row ends with a newline and newlines
 * inside values are escaped (`\n`), so rows = newline bytes.
 */
export class RowCountStream extends Transform {
  rows = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) this.rows += 1;
    done(null, chunk);
  }
}

/** SHA-256 and size of a stream's bytes (a stored backup file). */
export async function digestStream(input: Readable): Promise<{ sha256: string; bytes: number }> {
  const digest = new DigestStream();
  await pipeline(input, digest, async function* (source) {
    for await (const _ of source) {
      // drain
    }
  });
  return { sha256: digest.hex(), bytes: digest.bytes };
}
