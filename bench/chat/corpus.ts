// The small corpus bench:chat ingests before it asks, and the questions it asks about it.

export interface CorpusDocument {
  id: string;
  title: string;
  text: string;
}

/** Six short documents on unrelated subjects: each question has one clearly relevant source. */
export const CORPUS: readonly CorpusDocument[] = [
  {
    id: 'tides', title: 'Tides',
    text: 'Spring tides happen near new and full moon, when the sun and the moon pull along the same line, so high tides are higher and low tides lower. '
      + 'Neap tides come at the quarter moons, when the two pulls are at right angles and partly cancel. Most coasts see two high tides a day, about 12 hours and 25 minutes apart, '
      + 'because the moon moves along its orbit while the earth turns.',
  },
  {
    id: 'kettles', title: 'Kettles',
    text: 'An electric kettle switches itself off when steam from the boiling water reaches a bimetallic strip near the handle. The two metals expand at different rates, '
      + 'so the strip bends and snaps open the contact that feeds the heating element. A second thermal cut-out under the base stops a kettle that was switched on empty.',
  },
  {
    id: 'sourdough', title: 'Sourdough',
    text: 'A sourdough starter is flour and water colonised by wild yeasts and lactic acid bacteria. The bacteria make lactic and acetic acid, which give the bread its sour taste '
      + 'and keep it fresh for longer; the yeasts make the carbon dioxide that raises the dough. A starter is fed every day with fresh flour and water to keep both alive.',
  },
  {
    id: 'lighthouses', title: 'Lighthouses',
    text: 'A lighthouse lens, usually a Fresnel lens, bends the light of a small lamp into a narrow horizontal beam that sailors can see thirty kilometres away. '
      + 'Each lighthouse flashes in its own pattern, its character, printed on nautical charts so that a navigator can tell which light is which at night.',
  },
  {
    id: 'bees', title: 'Honey bees',
    text: 'A honey bee forager that finds a rich patch of flowers returns to the hive and performs a waggle dance. The angle of the waggle run against the vertical comb gives '
      + 'the direction of the flowers relative to the sun, and the length of the run tells the distance. Other foragers follow the dance and fly out to the same patch.',
  },
  {
    id: 'volcanoes', title: 'Volcanoes',
    text: 'Shield volcanoes such as those of Hawaii are built by runny basaltic lava that flows far before it cools, giving broad gentle slopes. Stratovolcanoes erupt '
      + 'sticky silica-rich magma that traps gas, so their eruptions are explosive and their cones steep, layered with ash and lava.',
  },
];

const QUESTIONS: readonly string[] = [
  'Why are spring tides higher than neap tides?',
  'How does a kettle know when to switch itself off?',
  'What makes sourdough bread taste sour?',
  'How far away can sailors see a lighthouse beam?',
  'How do honey bees tell each other where the flowers are?',
  'Why are some volcanoes explosive and others not?',
];

/**
 * The `index`-th question of a run: the corpus questions in turn, each made unique by the run and
 * its number, so the embedding worker's Redis cache has never seen it and the model runs every
 * time (as it does for a new question); the in-process baseline embeds the same kind of text.
 */
export const questionFor = (run: string, lane: string, index: number): string =>
  `${QUESTIONS[index % QUESTIONS.length]!} (question ${index + 1} of ${lane}, run ${run})`;
