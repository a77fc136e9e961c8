import { describe, expect, it } from 'vitest';
import { analyseStructure } from '../../../core/bloom/structure.js';

describe('question structure', () => {
  it.each([
    ['Compare and contrast the two poems.', 'imperative', 'compare'],
    ['Explain why the sky is blue.', 'imperative', 'explain'],
    ['Describes the main stages of mitosis.', 'imperative', 'describe'],
    ['How does your pet differ from other animals?', 'wh', 'differ'],
    ['What is virtual memory?', 'wh', 'be'],
    ['Can you develop a proposal for the library?', 'yesno', 'develop'],
    ['Students will be able to explain the causes of war.', 'objective', 'explain'],
    ['To understand the principles of design.', 'infinitive', 'understand'],
    ['Critically analyse the data.', 'imperative', 'analyze'],
  ])('reads %j as %s governed by %s', (text, form, verb) => {
    const s = analyseStructure(text);
    expect(s.form).toBe(form);
    expect(s.governingVerb).toBe(verb);
  });

  it('finds the coordinated verb, the object and the adverb', () => {
    const s = analyseStructure('Critically compare and evaluate policies.');
    expect(s.governingVerb).toBe('compare');
    expect(s.coordinatedVerbs).toEqual(['evaluate']);
    expect(s.adverb).toBe('critical');
  });

  it('skips an introductory clause to reach the task', () => {
    const s = analyseStructure('Using straight line depreciation, decide between the two alloys.');
    expect(s.intro).toBe('using');
    expect(s.governingVerb).toBe('decide');
  });

  it('reads the question sentence when the first sentence only sets the scene', () => {
    const s = analyseStructure('A process has three threads. How many stacks does it need?');
    expect(s.form).toBe('wh');
    expect(s.whWord).toBe('how many');
    expect(s.sentenceCount).toBe(2);
    expect(s.secondary?.form).toBe('declarative');
  });
});
