// The Studio's pieces of browser behaviour Blazor cannot do from the server: dragging a stage or a new action (in SVG
// units, whatever the zoom, scrolling at the canvas's edge), panning the canvas, and the Ctrl+Z / Ctrl+Y keys.
// Everything else is rendered on the server.

// A press that starts on the canvas never starts a text selection, whatever the drag code does with it (editable
// or not); one listener for the page, so a canvas drawn again needs nothing attached.
document.addEventListener("selectstart", (e) => {
    const at = e.target.nodeType === Node.TEXT_NODE ? e.target.parentElement : e.target;
    if (at?.closest?.(".process-canvas")) e.preventDefault();
});

export function enableDrag(svg, page) {
    if (svg.dataset.dragReady) return;
    svg.dataset.dragReady = "true";
    const scroller = svg.closest(".canvas-scroll");
    let drag = null;
    let link = null;
    let pan = null;
    const toSvg = (e) => new DOMPoint(e.clientX, e.clientY).matrixTransform(svg.getScreenCTM().inverse());

    // While a stage or a new action is dragged near the canvas's edge, the canvas scrolls that way, so a stage
    // out of sight can still be reached.
    let edgeScroll = null;
    const followEdge = (e) => {
        if (!scroller) return;
        const r = scroller.getBoundingClientRect(), zone = 48, speed = 14;
        const dx = e.clientX > r.right - zone ? speed : e.clientX < r.left + zone ? -speed : 0;
        const dy = e.clientY > r.bottom - zone ? speed : e.clientY < r.top + zone ? -speed : 0;
        if (!dx && !dy) { stopEdge(); return; }
        const last = { x: e.clientX, y: e.clientY, pointerId: e.pointerId };
        if (edgeScroll) { edgeScroll.dx = dx; edgeScroll.dy = dy; edgeScroll.last = last; return; }
        edgeScroll = { dx, dy, last };
        const step = () => {
            if (!edgeScroll) return;
            scroller.scrollBy(edgeScroll.dx, edgeScroll.dy);
            moveTo(edgeScroll.last);
            edgeScroll.frame = requestAnimationFrame(step);
        };
        edgeScroll.frame = requestAnimationFrame(step);
    };
    const stopEdge = () => { if (edgeScroll) { cancelAnimationFrame(edgeScroll.frame); edgeScroll = null; } };

    const moveTo = (e) => {
        if (link) {
            const at = toSvg(e);
            link.line.setAttribute("x2", at.x); link.line.setAttribute("y2", at.y);
        } else if (drag && drag.moved) {
            const at = toSvg(e);
            drag.dx = at.x - drag.start.x; drag.dy = at.y - drag.start.y;
            drag.stage.setAttribute("transform", `translate(${drag.dx} ${drag.dy})`);
        }
    };

    svg.addEventListener("pointerdown", (e) => {
        if (e.button !== 0) return;
        const editable = svg.dataset.editable === "true";
        const handle = editable && e.target.closest(".connect-handle");
        if (handle) {
            // Dragging from a stage's handle to another stage adds an action between them.
            e.preventDefault();
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
        if (stage && editable) {
            e.preventDefault(); // no text selection while dragging
            const rect = stage.querySelector("rect");
            drag = { stage, start: toSvg(e), x: +rect.getAttribute("x"), y: +rect.getAttribute("y"), moved: false, id: e.pointerId };
            return;
        }
    });
    // Empty canvas (in the drawing or around it): dragging pans.
    scroller?.addEventListener("pointerdown", (e) => {
        if (e.button !== 0 || e.target.closest("g.stage, g.edge")) return;
        const r = scroller.getBoundingClientRect();
        if (e.clientX > r.left + scroller.clientLeft + scroller.clientWidth || e.clientY > r.top + scroller.clientTop + scroller.clientHeight) return; // a scrollbar
        e.preventDefault();
        pan = { x: e.clientX, y: e.clientY, left: scroller.scrollLeft, top: scroller.scrollTop, id: e.pointerId, moved: false };
    });
    scroller?.addEventListener("pointermove", (e) => {
        if (!pan || e.pointerId !== pan.id) return;
        const dx = e.clientX - pan.x, dy = e.clientY - pan.y;
        if (!pan.moved && Math.hypot(dx, dy) < 4) return;
        if (!pan.moved) { pan.moved = true; scroller.setPointerCapture(e.pointerId); scroller.classList.add("panning"); }
        scroller.scrollLeft = pan.left - dx; scroller.scrollTop = pan.top - dy;
    });
    const endPan = (e) => {
        if (!pan || e.pointerId !== pan.id) return;
        const done = pan;
        pan = null;
        scroller.classList.remove("panning");
        if (done.moved) {
            scroller.releasePointerCapture(e.pointerId);
            scroller.addEventListener("click", (c) => c.stopPropagation(), { capture: true, once: true });
        }
    };
    scroller?.addEventListener("pointerup", endPan);
    scroller?.addEventListener("pointercancel", endPan);
    svg.addEventListener("pointermove", (e) => {
        if (link && e.pointerId === link.id) {
            moveTo(e);
            followEdge(e);
            return;
        }
        if (!drag || e.pointerId !== drag.id) return;
        const at = toSvg(e);
        if (!drag.moved && Math.hypot(at.x - drag.start.x, at.y - drag.start.y) < 4) return;
        if (!drag.moved) { drag.moved = true; svg.setPointerCapture(e.pointerId); drag.stage.classList.add("dragging"); }
        moveTo(e);
        followEdge(e);
    });
    // The click that ends a drag is not a selection (nor a deselection of what was dragged).
    const swallowClick = () => (scroller ?? svg).addEventListener("click", (c) => c.stopPropagation(), { capture: true, once: true });
    const drop = (e) => {
        stopEdge();
        if (link && e.pointerId === link.id) {
            const done = link;
            link = null;
            done.line.remove();
            svg.releasePointerCapture(e.pointerId);
            const target = document.elementFromPoint(e.clientX, e.clientY)?.closest("g.stage");
            swallowClick();
            if (target) page.invokeMethodAsync("StagesConnected", done.from, target.dataset.stage);
            return;
        }
        if (!drag || e.pointerId !== drag.id) return;
        const done = drag;
        drag = null;
        if (!done.moved) return;
        done.stage.removeAttribute("transform");
        done.stage.classList.remove("dragging");
        swallowClick();
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

// A link followed while the draft has unsaved edits (the language switch reloads the page; the header's links leave it)
// first saves the draft, instead of losing what the autosave had not reached yet. Only while the page says it is dirty.
export function saveBeforeLeaving(page) {
    if (window.studioLeaving) { window.studioLeaving.page = page; return; }
    const state = window.studioLeaving = { page };
    document.addEventListener("click", async (e) => {
        const link = e.target.closest && e.target.closest("a[href]");
        if (!link || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || link.target === "_blank") return;
        if (link.getAttribute("href").startsWith("#") || !document.querySelector("[data-testid=draft-state][data-dirty=true]")) return;
        e.preventDefault();
        e.stopImmediatePropagation();
        try { await state.page.invokeMethodAsync("SaveBeforeLeaving"); } catch { /* the page is gone: leave anyway */ }
        location.assign(link.href);
    }, true);
}
