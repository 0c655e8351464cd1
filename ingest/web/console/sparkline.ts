const SVG = 'http://www.w3.org/2000/svg';

/**
 * An SVG sparkline of `values` (oldest first) scaled to its own maximum, with an accessible name
 * that states the latest value. Empty input draws a flat line.
 */
export function sparkline(values: readonly number[], label: string, width = 240, height = 40): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('role', 'img');
  svg.setAttribute('class', 'sparkline');
  const title = document.createElementNS(SVG, 'title');
  title.textContent = label;
  svg.appendChild(title);
  svg.setAttribute('aria-label', label);
  const max = Math.max(1, ...values);
  const n = values.length;
  const points = n === 0 ? [`0,${height - 1}`, `${width},${height - 1}`] : values.map((v, i) => {
    const x = n === 1 ? width : (i / (n - 1)) * width;
    const y = height - 1 - (v / max) * (height - 2);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points.join(' '));
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', 'currentColor');
  line.setAttribute('stroke-width', '1.5');
  svg.appendChild(line);
  return svg;
}
