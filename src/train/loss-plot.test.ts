import { describe, expect, test } from 'vitest';
import { renderLossPlot } from './loss-plot.js';

describe('renderLossPlot', () => {
  test('draws both curves, a legend and the best validation point', () => {
    const svg = renderLossPlot(
      [
        { step: 10, loss: 5 },
        { step: 20, loss: 4 },
        { step: 30, loss: NaN },
      ],
      [
        { step: 10, loss: 5.5 },
        { step: 20, loss: 4.5 },
      ],
      { title: 'a < b' },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('best 4.5');
    expect(svg).toContain('a &lt; b');
    expect(svg).not.toContain('NaN');
  });

  test('empty and single-point inputs still give a valid picture', () => {
    expect(renderLossPlot([], [])).toContain('</svg>');
    const one = renderLossPlot([{ step: 1, loss: 2 }], []);
    expect(one).toContain('<circle');
    expect(one).not.toContain('NaN');
  });
});
