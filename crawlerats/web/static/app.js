// Progressive enhancement only: the filter form also works without JavaScript (Filter button).
// Changing a select submits the form at once, and the first page is shown for new filters.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("job-filters");
  if (!form) { return; }
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () { form.submit(); });
  });
});
