package org.tfp2c.cartoon.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.Map;
import org.junit.Test;

public class FaceGeometryTest {
    private static List<Object> cases() {
        List<Object> cases = Goldens.list(Goldens.load("alignment.json").get("cases"));
        assertTrue("alignment goldens hold tilted, off-image and real faces", cases.size() >= 10);
        return cases;
    }

    private static double tolerance() {
        return (Double) Goldens.load("alignment.json").get("tolerance");
    }

    @Test
    public void matchesPythonAlignmentOnEveryGoldenCase() {
        double tol = tolerance();
        for (Object item : cases()) {
            Map<String, Object> c = Goldens.obj(item);
            String name = (String) c.get("name");
            double[] landmarks = Goldens.doubles(c.get("landmarks"));
            int w = Goldens.integer(c.get("width")), h = Goldens.integer(c.get("height"));
            int size = Goldens.integer(c.get("out_size"));

            double angle = FaceGeometry.eyeAngle(landmarks);
            assertEquals(name + " eye angle", (Double) c.get("eye_angle"), angle, 1e-9);
            FaceGeometry.LevelRotation rotation = FaceGeometry.rotationToLevel(angle, w, h);
            int[] canvas = Goldens.ints(c.get("canvas"));
            assertEquals(name + " canvas width", canvas[0], rotation.canvasWidth);
            assertEquals(name + " canvas height", canvas[1], rotation.canvasHeight);
            Goldens.assertClose(name + " rotation", Goldens.doubles(c.get("rotation")), rotation.matrix.toArray(), tol);
            Goldens.assertClose(name + " level landmarks", Goldens.doubles(c.get("level_landmarks")),
                    rotation.matrix.applyAll(landmarks), tol);

            FaceGeometry.Alignment alignment = FaceGeometry.alignment(landmarks, w, h, size);
            Goldens.assertClose(name + " box", Goldens.doubles(c.get("box")), alignment.box.toArray(), tol);
            Goldens.assertClose(name + " box to crop", Goldens.doubles(c.get("box_to_crop")),
                    FaceGeometry.boxToCrop(alignment.box, size).toArray(), tol);
            Goldens.assertClose(name + " matrix", Goldens.doubles(c.get("matrix")), alignment.matrix.toArray(), tol);
            Goldens.assertClose(name + " inverse", Goldens.doubles(c.get("inverse")),
                    alignment.matrix.invert().toArray(), tol * Math.max(1.0, 1.0 / alignment.matrix.scale()));
            double area = (Double) c.get("box_area");
            assertEquals(name + " landmark box area", area, FaceGeometry.landmarkBoxArea(landmarks), 1e-6 * area);
        }
    }

    @Test
    public void alignedEyesAreLevelAndTheBoxIsSquare() {
        for (Object item : cases()) {
            Map<String, Object> c = Goldens.obj(item);
            double[] landmarks = Goldens.doubles(c.get("landmarks"));
            int size = Goldens.integer(c.get("out_size"));
            FaceGeometry.Alignment a = FaceGeometry.alignment(landmarks,
                    Goldens.integer(c.get("width")), Goldens.integer(c.get("height")), size);
            double[] crop = a.matrix.applyAll(landmarks);
            int l = FaceGeometry.LEFT_EYE_OUTER, r = FaceGeometry.RIGHT_EYE_OUTER;
            assertEquals(c.get("name") + " eyes level", crop[2 * l + 1], crop[2 * r + 1], 1e-6);
            assertTrue(c.get("name") + " upright", crop[2 * r] > crop[2 * l]);
            assertEquals(a.box.width(), a.box.height(), 1e-9);
            // Every landmark lands inside the crop: the expansion only adds margin.
            for (int i = 0; i < crop.length; i++) {
                assertTrue(c.get("name") + " landmark inside crop", crop[i] > -0.5 && crop[i] < size - 0.5);
            }
        }
    }

    @Test
    public void boxExpansionFollowsTheRules() {
        // Level box l=100, r=200, t=100, b=200: top -0.8h, bottom +0.3h, sides +-0.3w, then
        // square on the longer (vertical, 210) side about the centre (150, 125).
        CropBox box = FaceGeometry.cropBox(new double[] {100, 100, 200, 200, 150, 150});
        Goldens.assertClose("box", new double[] {45, 20, 255, 230}, box.toArray(), 1e-12);
        Affine toCrop = FaceGeometry.boxToCrop(box, 256);
        Goldens.assertClose("box corners", new double[] {-0.5, -0.5}, toCrop.apply(45, 20), 1e-12);
        Goldens.assertClose("box corners", new double[] {255.5, 255.5}, toCrop.apply(255, 230), 1e-12);
    }

    @Test
    public void zeroAngleRotationIsIdentity() {
        FaceGeometry.LevelRotation r = FaceGeometry.rotationToLevel(0.0, 640, 480);
        Goldens.assertClose("identity", Affine.IDENTITY.toArray(), r.matrix.toArray(), 1e-12);
        assertEquals(640, r.canvasWidth);
        assertEquals(480, r.canvasHeight);
    }

    @Test
    public void rejectsWrongLandmarkCount() {
        try {
            FaceGeometry.alignment(new double[10], 100, 100, 256);
            fail("expected an exception");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("68"));
        }
    }

    @Test
    public void composeAndInvertAreConsistent() {
        Affine a = new Affine(0.8, 0.3, 5, -0.3, 0.8, -7);
        Affine b = new Affine(2, 0, 1, 0, 3, 4);
        double[] p = {12.5, -3.25};
        Goldens.assertClose("compose", a.apply(b.apply(p)), a.compose(b).apply(p), 1e-12);
        Goldens.assertClose("invert", p, a.invert().apply(a.apply(p)), 1e-12);
    }
}
