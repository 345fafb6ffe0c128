// The per-question drill-down: free-text search and dataset, model and outcome filters over the table rows.
(function () {
  const table = document.getElementById('questions');
  if (!table) return;
  const rows = Array.from(table.tBodies[0].rows);
  const search = document.getElementById('search');
  const selects = Array.from(document.querySelectorAll('select[data-column]'));
  const count = document.getElementById('shown');
  function apply() {
    const text = search.value.trim().toLowerCase();
    let shown = 0;
    for (const row of rows) {
      let visible = !text || row.textContent.toLowerCase().includes(text);
      for (const select of selects) {
        if (visible && select.value && row.dataset[select.dataset.column] !== select.value) visible = false;
      }
      row.hidden = !visible;
      if (visible) shown++;
    }
    count.textContent = shown + ' of ' + rows.length + ' questions';
  }
  // A link can carry a search: report.html#q=logic.
  if (location.hash.startsWith('#q=')) search.value = decodeURIComponent(location.hash.slice(3));
  search.addEventListener('input', apply);
  selects.forEach(s => s.addEventListener('change', apply));
  apply();
})();
