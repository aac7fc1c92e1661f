"""The media library in the browser: upload a photo (and a file that is not one), give it alt
text and a focal point by clicking the picture, and see its renditions for a platform."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from content.models import MediaAsset
from tests.content.media_files import jpeg_bytes
from tests.e2e.conftest import SCREENSHOT_DIR


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _loaded(page: Page, selector: str) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


def test_upload_describe_and_see_renditions(page: Page, log_in, alice, workspace, tmp_path: Path):
    photo = tmp_path / "terrace.jpg"
    photo.write_bytes(jpeg_bytes(1600, 900, orientation=1, gps=True))
    fake = tmp_path / "menu.jpg"
    fake.write_text("this is the menu, not a photo")

    log_in(page, alice.email)
    page.goto(f"/w/{workspace.slug}/media/")
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Media")
    expect(main.locator("#media-empty")).to_be_visible()

    # Two files at once: the photo is kept, the text file is listed with the reason.
    main.get_by_label("Upload images and videos").set_input_files([str(photo), str(fake)])
    main.get_by_role("button", name="Upload", exact=True).click()
    errors = main.locator("#upload-errors")
    expect(errors).to_contain_text("menu.jpg")
    expect(errors).to_contain_text("is not an image or video Ripple can use")
    expect(main.locator("#upload-ok")).to_contain_text("terrace.jpg")
    expect(main.locator(".media-card")).to_have_count(1)
    main.locator("#upload-ok").get_by_role("link", name="terrace.jpg").click()

    # The file's page: alt text, and a focal point picked by clicking the right of the picture.
    expect(page).to_have_url(re.compile(rf"/w/{workspace.slug}/media/\d+/$"))
    expect(main.get_by_role("heading", level=1)).to_have_text("terrace.jpg")
    main.get_by_label("Alt text").fill("Our terrace in the morning sun")
    image = main.locator("#focal-image")
    expect(image).to_be_visible()
    box = image.bounding_box()
    assert box is not None
    image.click(position={"x": box["width"] * 0.85, "y": box["height"] * 0.4})
    focal_x = float(main.get_by_label("Focal point, across (0 to 1)").input_value())
    assert 0.8 < focal_x < 0.9
    main.get_by_role("button", name="Save").click()
    expect(main.get_by_text("Saved.")).to_be_visible()
    asset = MediaAsset.objects.get()
    assert asset.alt_text == "Our terrace in the morning sun"
    assert 0.8 < asset.focal_x < 0.9

    # Snapchat takes 9:16 only: crop (around the focal point) and pad side by side.
    main.get_by_label("Platform").select_option("snapchat")
    expect(page).to_have_url(re.compile(r"platform=snapchat"))
    pair = main.locator("#rendition-pair")
    expect(pair.locator("#rendition-crop figcaption")).to_contain_text("506\u00d7900")
    expect(pair.locator("#rendition-pad figcaption")).to_contain_text("1080\u00d71920")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('#rendition-pair img'))"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert _loaded(page, "#rendition-crop img") and _loaded(page, "#rendition-pad img")
    crop = asset.renditions.get(platform="snapchat", fit="crop")
    assert f"{asset.focal_x:.4f}" in crop.key
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / "media-detail-renditions.png", full_page=True)
