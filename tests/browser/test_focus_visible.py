"""Focus is plainly visible on everything a keyboard reaches, on the page and in the dark header
(WCAG 2.2: 2.4.7 focus visible, with the 3:1 contrast of 2.4.11/2.4.13 against both colours
beside the ring)."""

from tests.factories import PASSWORD

# What the focused element draws, the colour it sits on, and what kind of control it is.
FOCUS_RING = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) { return null; }
  const style = getComputedStyle(element);
  const opaque = (colour) => colour && colour !== "transparent" && !/rgba\\(.*, 0\\)$/.test(colour);
  // The colour the eye sees at a point: the background of what is drawn there, the focused
  // element and what it holds set aside (a skip link floats over the header, not its parent).
  const colourAt = (x, y) => {
    let node = document.elementsFromPoint(x, y).find(
      (found) => found !== element && !element.contains(found)
    );
    while (node && !opaque(getComputedStyle(node).backgroundColor)) { node = node.parentElement; }
    return node ? getComputedStyle(node).backgroundColor : "rgb(255, 255, 255)";
  };
  const box = element.getBoundingClientRect();
  const width = parseFloat(style.outlineWidth);
  const offset = parseFloat(style.outlineOffset);
  const middle = box.top + box.height / 2;
  const left = box.left - offset - width - 1 >= 0;
  const outside = left ? box.left - offset - width - 1 : box.right + offset + width + 1;
  const gap = left ? box.left - offset / 2 : box.right + offset / 2;
  window.focusCount = window.focusCount || 0;
  element.focusOrder = element.focusOrder || ++window.focusCount;
  return {
    order: element.focusOrder,
    what: element.tagName.toLowerCase() + (element.type ? "[" + element.type + "]" : "")
      + ":" + (element.textContent || element.name || element.id || "").trim().slice(0, 40),
    inHeader: element.closest(".portal-header") !== null,
    outlineStyle: style.outlineStyle,
    outlineWidth: width,
    outlineOffset: offset,
    outline: style.outlineColor,
    own: style.backgroundColor,
    outside: colourAt(outside, middle),
    gap: offset >= 1 ? colourAt(gap, middle) : style.backgroundColor,
  };
}"""


def rgb(colour: str) -> tuple[float, ...]:
    parts = colour[colour.index("(") + 1 : colour.index(")")].replace("/", ",").split(",")
    return tuple(float(part) for part in parts[:3])


def luminance(colour: str) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def focus_rings(visit, limit: int = 200) -> list[dict]:
    """Press Tab through the page from the top, noting the ring of each element it reaches."""
    page = visit.page
    page.mouse.click(1, 400)  # Nothing focused: the first Tab starts at the top.
    rings, seen = [], set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring is None:
            continue
        if rings and ring["order"] == rings[0]["order"]:
            break  # Round to the first element again.
        if ring["order"] in seen:
            continue  # The next part of the same field (a date's day, month, year...).
        seen.add(ring["order"])
        rings.append(ring)
    return rings


def assert_clearly_visible(rings: list[dict]) -> None:
    faint = []
    for ring in rings:
        # A ring's neighbours: what is just outside it, and just inside it (the gap between the
        # ring and the element, or the element itself when the ring touches it).
        neighbours = [ring["outside"], ring["gap"]]
        ratios = [contrast(ring["outline"], colour) for colour in neighbours]
        if ring["outlineStyle"] == "none" or ring["outlineWidth"] < 2 or min(ratios) < 3:
            faint.append({**ring, "ratios": [round(ratio, 2) for ratio in ratios]})
    assert not faint, "Focus hard to see on:\n" + "\n".join(map(str, faint))


def test_every_field_box_and_button_shows_a_clear_focus_ring_and_so_does_the_dark_header(
    visit, police_officer, campaign
):
    visit.sign_in(police_officer.email, PASSWORD)
    visit.goto(f"/campaigns/{campaign.slug}/toolkit/add/")
    rings = focus_rings(visit)
    kinds = {(ring["inHeader"], ring["what"].split(":")[0]) for ring in rings}
    # The header's links and its sign-out button; the page's text fields, list, checkboxes,
    # file field and buttons.
    assert {(True, "a"), (True, "button[submit]")} <= kinds, kinds
    assert {
        (False, "input[text]"),
        (False, "textarea[textarea]"),
        (False, "select[select-one]"),
        (False, "input[checkbox]"),
        (False, "input[file]"),
        (False, "button[submit]"),
        (False, "a"),
    } <= kinds, kinds
    assert_clearly_visible(rings)
    header = [ring for ring in rings if ring["inHeader"]]
    assert {ring["outside"] for ring in header} == {"rgb(29, 53, 87)"}  # the header's navy
    visit.scan()


def test_the_skip_link_and_the_sign_in_form_show_a_clear_focus_ring(visit):
    visit.goto("/sign-in/")
    rings = focus_rings(visit, limit=12)
    assert rings[0]["what"] == "a:Skip to main content"
    assert {ring["what"].split(":")[0] for ring in rings} >= {"input[email]", "input[password]"}
    assert_clearly_visible(rings)
