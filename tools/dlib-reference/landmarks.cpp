// Copyright (c) PainStream contributors. Licensed under the MIT License.
//
// Reference for PainStream.Vision.Landmarks: runs dlib's own shape_predictor on a raw BGR24 image and prints the 68
// landmarks of each face box, both as dlib returns them (integer points) and unrounded (the same cascade, computed with
// dlib's own impl:: functions, so the C# port can be compared below dlib's 1-pixel output rounding).
//
// Usage: landmarks MODEL.dat ITERATIONS IMAGE.bgr WIDTH HEIGHT LEFT TOP RIGHT BOTTOM [LEFT TOP RIGHT BOTTOM ...]
//                  [+ IMAGE.bgr WIDTH HEIGHT LEFT TOP RIGHT BOTTOM ...]...
//   IMAGE.bgr is packed BGR24, WIDTH*3 bytes a row, no header, read into array2d<bgr_pixel>. Boxes are dlib rectangles
//   (inclusive corners). "+" starts the next image; faces are numbered across all images in order.
//   ITERATIONS > 0 also times sp(img, rect) that many times per face (after one untimed call); the model loads once.
// Output per face:
//   face K ms MS_PER_CALL
//   then 68 lines "X Y IX IY": X, Y unrounded (%.6f), IX, IY dlib's integer result.
//   A line "mismatch ..." on stderr and exit code 3 if rounding X, Y the way dlib does differs from IX, IY.
#include <dlib/image_processing.h>
#include <dlib/image_processing/shape_predictor.h>
#include <dlib/array2d.h>
#include <dlib/pixel.h>
#include <dlib/serialize.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

using namespace dlib;

struct unrounded_model
{
    matrix<float, 0, 1> initial_shape;
    std::vector<std::vector<impl::regression_tree>> forests;
    std::vector<std::vector<unsigned long>> anchor_idx;
    std::vector<std::vector<dlib::vector<float, 2>>> deltas;
};

// The same fields, in the same order, that dlib's deserialize(shape_predictor&) reads (they are private there).
static void load_unrounded(const char* path, unrounded_model& m)
{
    std::ifstream in(path, std::ios::binary);
    int version = 0;
    deserialize(version, in);
    if (version != 1) throw serialization_error("unexpected shape_predictor version");
    deserialize(m.initial_shape, in);
    deserialize(m.forests, in);
    deserialize(m.anchor_idx, in);
    deserialize(m.deltas, in);
}

// shape_predictor::operator() without the final rounding to integer points.
template <typename image_type>
static std::vector<dlib::vector<double, 2>> predict_unrounded(const unrounded_model& m, const image_type& img, const rectangle& rect)
{
    using namespace impl;
    matrix<float, 0, 1> current_shape = m.initial_shape;
    std::vector<float> feature_pixel_values;
    for (unsigned long iter = 0; iter < m.forests.size(); ++iter)
    {
        extract_feature_pixel_values(img, rect, current_shape, m.initial_shape, m.anchor_idx[iter], m.deltas[iter], feature_pixel_values);
        unsigned long leaf_idx;
        for (unsigned long i = 0; i < m.forests[iter].size(); ++i)
            current_shape += m.forests[iter][i](feature_pixel_values, leaf_idx);
    }
    const point_transform_affine tform_to_img = unnormalizing_tform(rect);
    std::vector<dlib::vector<double, 2>> parts(current_shape.size() / 2);
    for (unsigned long i = 0; i < parts.size(); ++i)
        parts[i] = tform_to_img(location(current_shape, i));
    return parts;
}

static bool load_bgr(const char* path, long width, long height, array2d<bgr_pixel>& img)
{
    std::vector<unsigned char> raw(static_cast<size_t>(width * height * 3));
    std::ifstream f(path, std::ios::binary);
    f.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
    if (f.gcount() != static_cast<std::streamsize>(raw.size()))
        return false;
    img.set_size(height, width);
    for (long y = 0; y < height; ++y)
        for (long x = 0; x < width; ++x)
        {
            const unsigned char* p = &raw[static_cast<size_t>((y * width + x) * 3)];
            img[y][x] = bgr_pixel(p[0], p[1], p[2]);
        }
    return true;
}

int main(int argc, char** argv)
{
    if (argc < 10)
    {
        std::fprintf(stderr,
                     "usage: %s MODEL.dat ITERATIONS IMAGE.bgr WIDTH HEIGHT LEFT TOP RIGHT BOTTOM [LEFT TOP RIGHT BOTTOM ...]"
                     " [+ IMAGE.bgr WIDTH HEIGHT LEFT TOP RIGHT BOTTOM ...]\n",
                     argv[0]);
        return 2;
    }

    try
    {
        const long iterations = std::atol(argv[2]);
        shape_predictor sp;
        deserialize(argv[1]) >> sp;
        unrounded_model um;
        load_unrounded(argv[1], um);

        int status = 0;
        int k = 0;
        int a = 3;
        while (a < argc)
        {
            if (a + 2 >= argc)
            {
                std::fprintf(stderr, "incomplete image arguments at %d\n", a);
                return 2;
            }
            const char* path = argv[a];
            const long width = std::atol(argv[a + 1]);
            const long height = std::atol(argv[a + 2]);
            a += 3;
            array2d<bgr_pixel> img;
            if (!load_bgr(path, width, height, img))
            {
                std::fprintf(stderr, "%s: shorter than %ldx%ld BGR24\n", path, width, height);
                return 2;
            }

            for (; a + 3 < argc && std::string(argv[a]) != "+"; a += 4, ++k)
            {
                const rectangle rect(std::atol(argv[a]), std::atol(argv[a + 1]), std::atol(argv[a + 2]), std::atol(argv[a + 3]));
                full_object_detection det = sp(img, rect);
                double ms = 0;
                if (iterations > 0)
                {
                    volatile long sink = 0;
                    const auto start = std::chrono::steady_clock::now();
                    for (long i = 0; i < iterations; ++i)
                        sink += sp(img, rect).part(30).x();
                    const auto stop = std::chrono::steady_clock::now();
                    ms = std::chrono::duration<double, std::milli>(stop - start).count() / static_cast<double>(iterations);
                    (void)sink;
                }

                const auto parts = predict_unrounded(um, img, rect);
                std::printf("face %d ms %.6f\n", k, ms);
                for (unsigned long i = 0; i < det.num_parts(); ++i)
                {
                    const point rounded = parts[i];
                    if (rounded != det.part(i))
                    {
                        std::fprintf(stderr, "mismatch face %d part %lu: unrounded rounds to (%ld,%ld), dlib gave (%ld,%ld)\n",
                                     k, i, rounded.x(), rounded.y(), det.part(i).x(), det.part(i).y());
                        status = 3;
                    }
                    std::printf("%.6f %.6f %ld %ld\n", parts[i].x(), parts[i].y(), det.part(i).x(), det.part(i).y());
                }
            }

            if (a < argc)
            {
                if (std::string(argv[a]) != "+")
                {
                    std::fprintf(stderr, "incomplete box at argument %d\n", a);
                    return 2;
                }
                ++a;
            }
        }
        return status;
    }
    catch (std::exception& e)
    {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
