// SPDX-License-Identifier: GPL-3.0-or-later
// Tesseract is started once per process (the helper reads one attachment and exits, so this is
// one start per attachment, about a second of its cost). Leptonica's orientation test is used
// instead of tesseract's OSD: it needs no second model, takes milliseconds, and on printed forms
// it decided all four turns of the samples correctly (tests/data/attachments/scan/README.md).
#include "ocr_page.h"

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <stdexcept>

#if defined(__SANITIZE_ADDRESS__)
#define CLOSEOUT_WITH_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CLOSEOUT_WITH_LSAN 1
#endif
#endif
#ifdef CLOSEOUT_WITH_LSAN
#include <sanitizer/lsan_interface.h>
#endif

namespace closeout::extract {
namespace {

// Files that claim less than this are photos with a camera's nominal 72 dpi, or say nothing.
constexpr int kLeastBelievableDpi = 100;
constexpr int kAssumedDpi = 300;

// Tesseract 5.3 keeps its dictionaries in a process-wide cache it never frees (DawgCache):
// under the sanitizer build LeakSanitizer would fail every OCR test at exit for 3.7 MB that is
// loaded once and meant to live as long as the process.
int init_engine(tesseract::TessBaseAPI& api, const std::string& tessdata_dir) {
#ifdef CLOSEOUT_WITH_LSAN
  __lsan_disable();
#endif
  int status = api.Init(tessdata_dir.empty() ? nullptr : tessdata_dir.c_str(), "eng",
                        tesseract::OEM_LSTM_ONLY);
#ifdef CLOSEOUT_WITH_LSAN
  __lsan_enable();
#endif
  return status;
}

tesseract::TessBaseAPI& engine(const std::string& tessdata_dir) {
  static std::unique_ptr<tesseract::TessBaseAPI> api = [&] {
    auto made = std::make_unique<tesseract::TessBaseAPI>();
    if (init_engine(*made, tessdata_dir) != 0)
      throw std::runtime_error("the OCR engine could not start (tesseract's eng.traineddata)");
    // Its warnings ("Estimating resolution...") would land in the daemon's log for every scan.
    made->SetVariable("debug_file", "/dev/null");
    made->SetPageSegMode(tesseract::PSM_AUTO);
    return made;
  }();
  return *api;
}

// A rule across the form comes back as a "word" of spaces.
bool has_ink(const char* text) {
  for (; *text; ++text)
    if (*text != ' ' && *text != '\t') return true;
  return false;
}

PixPtr grey_of(Pix* image) {
  PixPtr grey(pixGetDepth(image) == 8 && !pixGetColormap(image) ? pixClone(image)
                                                                : pixConvertTo8(image, 0));
  if (!grey) throw std::runtime_error("the image's pixels could not be made grey");
  return grey;
}

// Leptonica decides from ascenders and descenders of a binarised copy; too little text: no turn.
int upright_rotation(Pix* grey) {
  PixPtr binary(pixConvertTo1(grey, 128));
  if (!binary) return 0;
  float up = 0, left = 0;
  l_int32 rotation = 0;
  PixPtr turned(pixOrientCorrect(binary.get(), 8.0f, 2.5f, &up, &left, &rotation, 0));
  return rotation;
}

std::vector<PlacedWord> recognise(Pix* upright, int page, int dpi, const std::string& dir) {
  auto& api = engine(dir);
  api.SetImage(upright);
  api.SetSourceResolution(dpi >= kLeastBelievableDpi ? dpi : kAssumedDpi);
  if (api.Recognize(nullptr) != 0) throw std::runtime_error("the OCR engine failed on the page");
  std::vector<PlacedWord> words;
  std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
  if (it && !it->Empty(tesseract::RIL_WORD)) {
    do {
      std::unique_ptr<char[]> text(it->GetUTF8Text(tesseract::RIL_WORD));
      int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
      if (!text || !has_ink(text.get()) ||
          !it->BoundingBox(tesseract::RIL_WORD, &x0, &y0, &x1, &y1))
        continue;
      words.push_back({text.get(), page, double(x0), double(y0), double(x1), double(y1),
                       double(it->Confidence(tesseract::RIL_WORD))});
    } while (it->Next(tesseract::RIL_WORD));
  }
  api.Clear();
  return words;
}

}  // namespace

void PixDeleter::operator()(Pix* pix) const { pixDestroy(&pix); }

OcrPage ocr_page(Pix* image, int page, int dpi, const std::string& tessdata_dir) {
  OcrPage result;
  PixPtr grey = grey_of(image);
  float angle = 0, confidence = 0;
  PixPtr straight(pixFindSkewAndDeskew(grey.get(), 0, &angle, &confidence));
  if (!straight)
    straight = std::move(grey);
  else if (confidence > 0)
    result.skew_degrees = angle;
  result.rotation_degrees = upright_rotation(straight.get());
  PixPtr upright(result.rotation_degrees == 0
                     ? pixClone(straight.get())
                     : pixRotateOrth(straight.get(), result.rotation_degrees / 90));
  if (!upright) throw std::runtime_error("the page could not be turned upright");
  result.words = recognise(upright.get(), page, dpi, tessdata_dir);
  return result;
}

PixPtr apply_exif_orientation(PixPtr image, int orientation) {
  // 2, 4, 5, 7 are mirrored: flip left-right first, then they are 1, 3, 8, 6 (the EXIF table).
  if (orientation == 2 || orientation == 4 || orientation == 5 || orientation == 7) {
    image.reset(pixFlipLR(nullptr, image.get()));
    orientation = orientation == 2 ? 1 : orientation == 4 ? 3 : orientation == 5 ? 8 : 6;
  }
  if (!image) return image;
  if (orientation == 3) image.reset(pixRotate180(nullptr, image.get()));
  if (orientation == 6) image.reset(pixRotate90(image.get(), 1));   // 90 clockwise
  if (orientation == 8) image.reset(pixRotate90(image.get(), -1));  // 90 counter-clockwise
  return image;
}

}  // namespace closeout::extract
