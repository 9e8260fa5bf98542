import type { Random } from './random.js';

// A small generator of plausible English prose: real words (so the tokenizer sees ordinary
// word pieces, ~1.3 per word), made-up proper names and numbers (so no two runs share text),
// and Markdown structure for the ingestion benchmark. Deterministic for a given Random.

const subjects = [
  'the committee', 'the research team', 'the city council', 'a small group of engineers', 'the hospital', 'the harbour authority',
  'the new government', 'the museum', 'the laboratory', 'the orchestra', 'the farming cooperative', 'the railway company',
  'the survey', 'the regional library', 'the school board', 'the mining company', 'the weather service', 'the software team',
  'the archive', 'the volunteer brigade', 'the central bank', 'the trade union', 'the observatory', 'the ferry operator',
];
const nouns = [
  'budget', 'bridge', 'river', 'report', 'harvest', 'network', 'policy', 'engine', 'archive', 'forest', 'market', 'vaccine',
  'reactor', 'canal', 'festival', 'satellite', 'library', 'glacier', 'database', 'timetable', 'treaty', 'pipeline', 'factory',
  'vineyard', 'manuscript', 'telescope', 'coastline', 'highway', 'turbine', 'election', 'curriculum', 'reservoir', 'protocol',
  'cathedral', 'warehouse', 'algorithm', 'monastery', 'lighthouse', 'estuary', 'ledger', 'compressor', 'orchard', 'tunnel',
];
const pluralNouns = [
  'farmers', 'students', 'engineers', 'nurses', 'sailors', 'households', 'visitors', 'patients', 'merchants', 'volunteers',
  'measurements', 'samples', 'records', 'machines', 'letters', 'vessels', 'trees', 'sensors', 'contracts', 'buildings',
];
const adjectives = [
  'northern', 'ancient', 'modest', 'remarkable', 'fragile', 'expensive', 'reliable', 'crowded', 'quiet', 'unusual', 'narrow',
  'temporary', 'seasonal', 'experimental', 'coastal', 'rural', 'industrial', 'careful', 'detailed', 'controversial', 'rapid',
  'gradual', 'mechanical', 'forgotten', 'provisional', 'thorough', 'ambitious', 'durable', 'accurate', 'scattered',
];
const verbs = [
  'examined', 'rebuilt', 'postponed', 'approved', 'measured', 'replaced', 'documented', 'financed', 'inspected', 'redesigned',
  'expanded', 'questioned', 'restored', 'monitored', 'abandoned', 'simplified', 'published', 'tested', 'negotiated', 'moved',
];
const adverbs = [
  'slowly', 'carefully', 'quietly', 'repeatedly', 'unexpectedly', 'eventually', 'reluctantly', 'systematically', 'briefly',
  'openly', 'cautiously', 'immediately', 'gradually', 'successfully', 'partly',
];
const connectives = ['However,', 'Meanwhile,', 'As a result,', 'In practice,', 'Later that year,', 'By contrast,', 'At first,', 'In the end,', 'For this reason,', 'Even so,'];
const reasons = [
  'the winter had been unusually long', 'the old records were incomplete', 'the costs had doubled', 'nobody had checked the foundations',
  'the river had changed its course', 'the supplier went out of business', 'the original plans were lost in a fire',
  'the population had grown quickly', 'the equipment was older than expected', 'the measurements disagreed with each other',
];
const syllables = ['ka', 'lor', 'min', 'dre', 'vas', 'tel', 'or', 'ben', 'sta', 'qui', 'rho', 'nel', 'gar', 'ith', 'mon', 'sul', 'per', 'zan', 'ved', 'hol'];
const sectionTopics = ['Background', 'History', 'Methods', 'Findings', 'Costs', 'Maintenance', 'Open questions', 'Timeline', 'People involved', 'Results', 'Lessons learned', 'Next steps'];

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** A made-up proper name such as "Velmonstad": several word pieces, unique enough that runs differ. */
export const properName = (random: Random): string => {
  let name = '';
  for (let count = random.integer(2, 4); count > 0; count--) name += random.pick(syllables);
  return capitalise(name) + random.pick(['', '', 'stad', 'berg', 'ford', 'holm', 'ia']);
};

/** One sentence of 8 to 30 words. */
export const sentence = (random: Random): string => {
  const noun = () => `${random.chance(0.5) ? `${random.pick(adjectives)} ` : ''}${random.pick(nouns)}`;
  const year = () => String(random.integer(1820, 2024));
  const clause = () => `${random.pick(subjects)} ${random.pick(verbs)} the ${noun()} ${random.pick(adverbs)}`;
  switch (random.integer(0, 7)) {
    case 0: return `${capitalise(clause())}.`;
    case 1: return `In ${year()}, ${clause()} near ${properName(random)}.`;
    case 2: return `${random.pick(connectives)} ${clause()} because ${random.pick(reasons)}.`;
    case 3: return `About ${random.integer(2, 98)} percent of the ${random.pick(pluralNouns)} in ${properName(random)} said that ${clause()}.`;
    case 4: return `${properName(random)} ${random.pick(verbs)} the ${noun()} and the ${noun()}, while ${clause()}.`;
    case 5: return `The ${noun()} of ${properName(random)} cost ${random.integer(3, 900)} thousand crowns and took ${random.integer(2, 40)} months to finish.`;
    case 6: return `${capitalise(random.pick(pluralNouns))} ${random.pick(['reported', 'noticed', 'complained', 'agreed'])} that the ${noun()} was ${random.pick(adjectives)}, so ${clause()}.`;
    default: return `${random.pick(connectives)} the ${noun()} ${random.pick(['remained', 'became', 'seemed'])} ${random.pick(adjectives)} until ${year()}.`;
  }
};

export const paragraph = (random: Random, sentences = random.integer(3, 7)): string =>
  Array.from({ length: sentences }, () => sentence(random)).join(' ');

const wordCount = (text: string): number => text.split(/\s+/).filter((word) => /[A-Za-z0-9]/.test(word)).length;

/**
 * A Markdown document of about `words` words: a title, sections with headings, paragraphs,
 * bullet and numbered lists, emphasis, inline code and quotes.
 */
export const markdownDocument = (random: Random, words: number): { title: string; markdown: string; words: number } => {
  const title = `The ${random.pick(adjectives)} ${random.pick(nouns)} of ${properName(random)}`;
  const blocks = [`# ${title}`, paragraph(random)];
  let count = wordCount(blocks.join(' '));
  while (count < words) {
    const section: string[] = [`## ${random.pick(sectionTopics)}: ${properName(random)}`];
    for (let block = random.integer(2, 5); block > 0; block--) {
      const kind = random.next();
      if (kind < 0.12) section.push(Array.from({ length: random.integer(3, 5) }, () => `- ${sentence(random)}`).join('\n'));
      else if (kind < 0.2) section.push(Array.from({ length: random.integer(3, 5) }, (_, index) => `${index + 1}. ${sentence(random)}`).join('\n'));
      else if (kind < 0.25) section.push(`> ${sentence(random)} ${sentence(random)}`);
      else {
        let text = paragraph(random);
        if (random.chance(0.3)) text = text.replace(/\b(the \w+)\b/, '**$1**');
        if (random.chance(0.15)) text += ` The field is stored as \`${random.pick(nouns)}_${random.integer(1, 99)}\` in the ledger.`;
        section.push(text);
      }
    }
    blocks.push(...section);
    count = wordCount(blocks.join(' '));
  }
  const markdown = `${blocks.join('\n\n')}\n`;
  return { title, markdown, words: wordCount(markdown) };
};

/**
 * A chunk-sized text: whole sentences until it holds `minTokens` to `maxTokens` tokens as the
 * model counts them ([CLS] and [SEP] included); words are dropped from the end if no sentence fits.
 */
export const chunkSizedText = (random: Random, countTokens: (text: string) => number, minTokens = 100, maxTokens = 128): string => {
  let text = '';
  for (let attempt = 0; attempt < 200; attempt++) {
    const candidate = text ? `${text} ${sentence(random)}` : sentence(random);
    const tokens = countTokens(candidate);
    if (tokens <= maxTokens) {
      text = candidate;
      if (tokens >= minTokens) return text;
    } else if (attempt > 20) {
      // No sentence is short enough to land in range: cut the candidate at a word.
      const words = candidate.split(' ');
      while (words.length > 1 && countTokens(words.join(' ')) > maxTokens) words.pop();
      return words.join(' ');
    }
  }
  throw new Error(`chunkSizedText: could not make a text of ${minTokens}-${maxTokens} tokens`);
};
