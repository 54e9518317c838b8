// Upload form: read the CSV header in the browser and show the columns the user can pick.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const file = form.querySelector("input[type=file]");
  const out = document.getElementById("csv-columns");
  file.addEventListener("change", function () {
    const f = file.files && file.files[0];
    out.hidden = true;
    if (!f || !/\.csv$/i.test(f.name)) return;
    f.slice(0, 64 * 1024).text().then(function (head) {
      const firstLine = head.replace(/^\ufeff/, "").split(/\r?\n/)[0] || "";
      const columns = firstLine.split(",").map(function (c) { return c.trim().replace(/^"|"$/g, ""); });
      out.textContent = "Columns in this file: " + columns.join(", ");
      out.hidden = false;
    });
  });
})();
