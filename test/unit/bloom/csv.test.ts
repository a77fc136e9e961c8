import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvObjects } from '../../../core/csv.js';

describe('CSV parser', () => {
  it('parses plain records with LF and CRLF endings', () => {
    expect(parseCsv('a,b\r\n1,2\n3,4')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('keeps commas, line breaks and doubled quotes inside quoted fields', () => {
    const text = 'question,level\r\n"Compare A, B and C",Analyze\r\n"Line one\r\nline two",Remember\n"Say ""hi""",Apply\n';
    expect(parseCsv(text)).toEqual([
      ['question', 'level'],
      ['Compare A, B and C', 'Analyze'],
      ['Line one\r\nline two', 'Remember'],
      ['Say "hi"', 'Apply'],
    ]);
  });

  it('ignores a BOM and a trailing newline but keeps empty fields', () => {
    expect(parseCsv('\uFEFFa,,c\n,\n')).toEqual([
      ['a', '', 'c'],
      ['', ''],
    ]);
  });

  it('keeps a quoted empty field and a quote inside an unquoted field', () => {
    expect(parseCsv('"",x\n5" screen,y')).toEqual([
      ['', 'x'],
      ['5" screen', 'y'],
    ]);
  });

  it('rejects an unterminated quoted field', () => {
    expect(() => parseCsv('a,"never closed\n')).toThrow(/unterminated/);
  });

  it('maps rows to objects by lower-cased header and skips blank lines', () => {
    expect(parseCsvObjects('Question,LEVEL\n"What, exactly?",Remember\n\nDefine x,Remember\n')).toEqual([
      { question: 'What, exactly?', level: 'Remember' },
      { question: 'Define x', level: 'Remember' },
    ]);
  });
});
