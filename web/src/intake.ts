// Images into the page: picked with a file input or dropped on an area.

/** Hands the files picked with `picker` or dropped on `target` to `receive`. */
export function acceptFiles(picker: HTMLInputElement | null, target: HTMLElement, receive: (files: File[]) => void): void {
  picker?.addEventListener('change', () => {
    receive([...(picker.files ?? [])]);
    picker.value = '';
  });
  target.addEventListener('dragover', (event) => {
    event.preventDefault();
    target.classList.add('over');
  });
  target.addEventListener('dragleave', () => target.classList.remove('over'));
  target.addEventListener('drop', (event) => {
    event.preventDefault();
    target.classList.remove('over');
    receive([...(event.dataTransfer?.files ?? [])]);
  });
}
