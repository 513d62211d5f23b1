// Progressive enhancement only: the filter form works without JavaScript (the Filter button submits it,
// and the server redirects away empty parameters). With JavaScript, empty fields are left out of the URL
// up front. Nothing submits on change (WCAG 3.2.2): arrow keys in a select never reload the page.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("job-filters");
  if (!form) { return; }
  form.addEventListener("submit", function () {
    form.querySelectorAll("input, select").forEach(function (field) {
      if (field.name && !String(field.value).trim()) { field.disabled = true; }
    });
  });
  // Restore the fields when the page comes back from the back/forward cache.
  window.addEventListener("pageshow", function () {
    form.querySelectorAll("input, select").forEach(function (field) { field.disabled = false; });
  });
});
