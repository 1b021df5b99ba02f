// The feed form shows only the fields of the chosen feed type; without JavaScript all stay visible.
(function () {
  const fieldsByKind = {registry: ["url", "username", "password"], ecr: ["account", "region"]};
  function showFieldsOfKind() {
    const chosen = document.querySelector("input[name=kind]:checked");
    for (const [kind, names] of Object.entries(fieldsByKind)) {
      for (const name of names) {
        const wrapper = document.getElementById("div_id_" + name);
        if (wrapper) wrapper.hidden = chosen !== null && chosen.value !== kind;
      }
    }
  }
  document.querySelectorAll("input[name=kind]").forEach((radio) => radio.addEventListener("change", showFieldsOfKind));
  showFieldsOfKind();
})();
