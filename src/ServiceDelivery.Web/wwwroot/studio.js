// The Studio's two pieces of browser behaviour Blazor cannot do from the server: dragging a stage (in SVG units,
// whatever the zoom) and the Ctrl+Z / Ctrl+Y keys. Everything else is rendered on the server.

export function enableDrag(svg, page) {
    if (svg.dataset.dragReady) return;
    svg.dataset.dragReady = "true";
    let drag = null;
    const toSvg = (e) => new DOMPoint(e.clientX, e.clientY).matrixTransform(svg.getScreenCTM().inverse());
    let link = null;
    svg.addEventListener("pointerdown", (e) => {
        if (svg.dataset.editable !== "true" || e.button !== 0) return;
        const handle = e.target.closest(".connect-handle");
        if (handle) {
            // Dragging from a stage's handle to another stage adds an action between them.
            const from = toSvg(e);
            const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
            line.setAttribute("class", "connect-line");
            line.setAttribute("x1", from.x); line.setAttribute("y1", from.y); line.setAttribute("x2", from.x); line.setAttribute("y2", from.y);
            svg.appendChild(line);
            link = { from: handle.dataset.connect, line, id: e.pointerId };
            svg.setPointerCapture(e.pointerId);
            e.stopPropagation();
            return;
        }
        const stage = e.target.closest("g.stage");
        if (!stage) return;
        const rect = stage.querySelector("rect");
        drag = { stage, start: toSvg(e), x: +rect.getAttribute("x"), y: +rect.getAttribute("y"), moved: false, id: e.pointerId };
    });
    svg.addEventListener("pointermove", (e) => {
        if (link && e.pointerId === link.id) {
            const at = toSvg(e);
            link.line.setAttribute("x2", at.x); link.line.setAttribute("y2", at.y);
            return;
        }
        if (!drag || e.pointerId !== drag.id) return;
        const at = toSvg(e);
        const dx = at.x - drag.start.x, dy = at.y - drag.start.y;
        if (!drag.moved && Math.hypot(dx, dy) < 4) return;
        if (!drag.moved) { drag.moved = true; svg.setPointerCapture(e.pointerId); drag.stage.classList.add("dragging"); }
        drag.dx = dx; drag.dy = dy;
        drag.stage.setAttribute("transform", `translate(${dx} ${dy})`);
    });
    const drop = (e) => {
        if (link && e.pointerId === link.id) {
            const done = link;
            link = null;
            done.line.remove();
            svg.releasePointerCapture(e.pointerId);
            const target = document.elementFromPoint(e.clientX, e.clientY)?.closest("g.stage");
            svg.addEventListener("click", (c) => c.stopPropagation(), { capture: true, once: true });
            if (target) page.invokeMethodAsync("StagesConnected", done.from, target.dataset.stage);
            return;
        }
        if (!drag || e.pointerId !== drag.id) return;
        const done = drag;
        drag = null;
        if (!done.moved) return;
        done.stage.removeAttribute("transform");
        done.stage.classList.remove("dragging");
        // The click that ends a drag is not a selection.
        svg.addEventListener("click", (c) => c.stopPropagation(), { capture: true, once: true });
        page.invokeMethodAsync("StageDropped", done.stage.dataset.stage, Math.max(0, done.x + done.dx), Math.max(0, done.y + done.dy));
    };
    svg.addEventListener("pointerup", drop);
    svg.addEventListener("pointercancel", drop);
}

export function enableUndoKeys() {
    if (window.studioUndoKeys) return;
    window.studioUndoKeys = true;
    document.addEventListener("keydown", (e) => {
        if (!(e.ctrlKey || e.metaKey)) return;
        // Text fields keep their own undo.
        const t = e.target;
        if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
        const key = e.key.toLowerCase();
        const which = key === "z" && !e.shiftKey ? "undo" : (key === "y" || (key === "z" && e.shiftKey)) ? "redo" : null;
        if (!which) return;
        const button = document.querySelector(`[data-testid=${which}]`);
        if (button && !button.disabled) { e.preventDefault(); button.click(); }
    });
}

// The process-definition schema for every JSON model in the page (completion, hover, squiggles). Documents name it
// in "$schema" as a file next to them ("./process-definition.schema.json"), which the editor resolves against its
// model's address: register the schema under those addresses too, so it is found and never fetched.
export function useDefinitionSchema(schemaText) {
    const json = window.monaco && window.monaco.languages.json;
    if (!json || window.studioSchemaSet) return;
    window.studioSchemaSet = true;
    const schema = JSON.parse(schemaText);
    const uris = ["https://servicedelivery.example/schemas/process-definition.schema.json", "inmemory://model/process-definition.schema.json", "./process-definition.schema.json"];
    json.jsonDefaults.setDiagnosticsOptions({
        validate: true,
        allowComments: false,
        enableSchemaRequest: false,
        schemaRequest: "ignore", // "$schema" names a file next to the document: never fetched, not a problem
        schemas: uris.map((uri, i) => ({ uri, fileMatch: i === 0 ? ["*"] : [], schema })),
    });
}
