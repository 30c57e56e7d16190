// Copyright (c) PainStream contributors. Licensed under the MIT License.
//
// Runs dlib's HOG frontal face detector (the detector dlib's 68-point shape predictor was trained on) on raw BGR24
// images and prints its boxes, to measure how BlazeFace boxes relate to the boxes the landmark model expects.
//
// Usage: hog-faces UPSAMPLE IMAGE.bgr WIDTH HEIGHT [IMAGE.bgr WIDTH HEIGHT ...]
//   UPSAMPLE: how many times the image is doubled before detection (dlib's detector finds faces from about 80 px,
//   40 px with 1, 20 px with 2).
// Output: one line per face, "IMAGE_INDEX LEFT TOP RIGHT BOTTOM SCORE" (dlib rectangles: inclusive corners).
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/array2d.h>
#include <dlib/pixel.h>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

using namespace dlib;

int main(int argc, char** argv)
{
    if (argc < 5 || (argc - 2) % 3 != 0)
    {
        std::fprintf(stderr, "usage: hog-faces UPSAMPLE IMAGE.bgr WIDTH HEIGHT [...]\n");
        return 2;
    }

    const int upsample = std::atoi(argv[1]);
    frontal_face_detector detector = get_frontal_face_detector();
    for (int a = 2, index = 0; a < argc; a += 3, ++index)
    {
        const long width = std::atol(argv[a + 1]), height = std::atol(argv[a + 2]);
        std::ifstream in(argv[a], std::ios::binary);
        std::vector<unsigned char> bytes(width * height * 3);
        in.read(reinterpret_cast<char*>(bytes.data()), bytes.size());
        if (!in)
        {
            std::fprintf(stderr, "cannot read %s\n", argv[a]);
            return 1;
        }

        array2d<bgr_pixel> img(height, width);
        for (long y = 0; y < height; ++y)
            for (long x = 0; x < width; ++x)
            {
                const unsigned char* p = &bytes[(y * width + x) * 3];
                img[y][x] = bgr_pixel(p[0], p[1], p[2]);
            }

        // Upsample like dlib's Python API does (pyramid_up, then map the boxes back), scoring every window.
        std::vector<rect_detection> dets;
        if (upsample == 0)
        {
            detector(img, dets, 0.0);
        }
        else
        {
            array2d<bgr_pixel> up;
            pyramid_down<2> pyr;
            assign_image(up, img);
            for (int u = 0; u < upsample; ++u)
            {
                array2d<bgr_pixel> tmp;
                pyramid_up(up, tmp, pyr);
                swap(up, tmp);
            }

            detector(up, dets, 0.0);
            for (auto& d : dets)
                for (int u = 0; u < upsample; ++u)
                    d.rect = pyr.rect_down(d.rect);
        }

        for (const auto& d : dets)
            std::printf("%d %ld %ld %ld %ld %.4f\n", index, d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom(), d.detection_confidence);
    }

    return 0;
}
