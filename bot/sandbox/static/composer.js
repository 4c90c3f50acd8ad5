// The composer's hints for the app's slash commands (their usage hints, as the manifest declares them).
(function () {
  "use strict";

  const COMMANDS = [
    { name: "/opportunity", hint: "new Acme renewal 48k | list | stage acme proposal | won acme | help", about: "Open, list, move, win or lose an opportunity" },
    { name: "/prospect", hint: "25 calls 2h | 3 meetings booked | 40m linkedin yesterday | undo", about: "Log prospecting in one line, or open the form" },
  ];
  const SUBCOMMANDS = [
    ["new Acme 40k", "open one in a line (or /opportunity alone for the form)"],
    ["list", "your open opportunities, with menus"],
    ["log acme 90m", "log time spent working a deal"],
    ["prospect 25 calls 2h", "log prospecting"],
    ["health", "your pipeline at a glance"],
    ["stage acme proposal", "move a deal along"],
    ["won acme", "mark it won"],
    ["lost acme went quiet", "mark it lost"],
    ["quota 250k", "set your quota"],
    ["coach", "your coaching settings"],
    ["reflections", "your answers to the coach"],
    ["team", "managers: the team's creation and coverage"],
    ["export", "CSV files in your DM"],
    ["undo", "remove your last entry"],
    ["help", "everything it understands"],
  ];

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function hints(input, box) {
    const typed = input.value;
    box.replaceChildren();
    if (!typed.startsWith("/")) return (box.hidden = true);
    const [name, ...rest] = typed.split(" ");
    let rows = [];
    if (!rest.length) rows = COMMANDS.filter((c) => c.name.startsWith(name)).map((c) => [c.name + " ", `${c.name} ${c.hint}`, c.about]);
    else if (name === "/opportunity") rows = SUBCOMMANDS.filter(([usage]) => usage.startsWith(rest.join(" "))).map(([usage, about]) => [`/opportunity ${usage}`, `/opportunity ${usage}`, about]);
    else if (name === "/prospect") rows = [["/prospect 25 calls 2h", "/prospect " + COMMANDS[1].hint, COMMANDS[1].about]];
    rows.slice(0, 8).forEach(([fill, shown, about]) => {
      const row = el("button", "hint");
      row.type = "button";
      row.append(el("b", "", shown), el("span", "", about));
      row.addEventListener("click", () => { input.value = fill; input.focus(); hints(input, box); });
      box.appendChild(row);
    });
    box.hidden = !rows.length;
  }

  window.Composer = { hints, COMMANDS, SUBCOMMANDS };
})();
