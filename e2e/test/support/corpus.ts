import { PDFDocument, StandardFonts } from 'pdf-lib';

/** Markdown about one subject, so a question about it has one right answer in the corpus. */
export const lighthouseMarkdown = `# The Lindqvist Lighthouse

The Lindqvist lighthouse stands on a granite skerry at the mouth of the northern fjord. It was lit for the first time in the winter of 1871, after three ships were lost on the reef in a single storm.

## The keepers

For ninety years the light was tended by keepers who lived in the stone house at its foot. They trimmed the wicks every four hours, wound the clockwork that turned the lens, and logged every passing vessel in a leather-bound book.

## The lens

The original first-order Fresnel lens weighed nearly four tonnes and floated in a bath of mercury so that it could be turned by a small weight. On a clear night its beam reached twenty-two nautical miles.

## Automation

In 1961 the light was electrified and the last keeper left the island. Today a solar-powered LED lantern flashes white every ten seconds, and the old lens is kept in the maritime museum in the harbour town.
`;

export const beekeepingParagraphs = [
  'Honey bees keep the brood nest of their hive at about thirty-four degrees Celsius, shivering their flight muscles to warm it in cold weather.',
  'A strong colony in summer holds fifty thousand workers, a few hundred drones and a single queen, who may lay two thousand eggs a day.',
  'Beekeepers inspect the frames every week in spring to look for queen cells, which tell them that the colony is preparing to swarm.',
];

/** A real two-page PDF, made with pdf-lib, whose text the parser must find. */
export const makePdf = async (pages: string[][]): Promise<Uint8Array> => {
  const pdf = await PDFDocument.create();
  pdf.setTitle('Beekeeping notes');
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = pdf.addPage([595, 842]);
    lines.forEach((line, index) => page.drawText(line, { x: 40, y: 800 - index * 16, size: 10, font }));
  }
  return pdf.save();
};

/** Splits a paragraph into lines short enough for an A4 page. */
export const wrap = (text: string, width = 90): string[] => {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if ((line + ' ' + word).trim().length > width) {
      lines.push(line.trim());
      line = word;
    } else line += ` ${word}`;
  }
  if (line.trim()) lines.push(line.trim());
  return lines;
};
