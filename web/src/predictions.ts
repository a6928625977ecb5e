// How a classification looks on the page: the top labels, each with its score and a bar.
import type { Prediction } from './protocol';

/** The predictions, best first, each as its label and score and a bar as long as the score. */
export function showPredictions(list: HTMLOListElement, predictions: Prediction[]): void {
  list.replaceChildren(
    ...predictions.map(({ label, score }) => {
      const entry = document.createElement('li');
      entry.dataset.label = label;
      entry.textContent = `${label} ${(score * 100).toFixed(1)} %`;
      // No text of its own, so the entry's text stays the label and score alone.
      const bar = document.createElement('span');
      bar.className = 'score-bar';
      bar.style.width = `${score * 100}%`;
      entry.appendChild(bar);
      return entry;
    }),
  );
}

