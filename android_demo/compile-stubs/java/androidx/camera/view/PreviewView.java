// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// CameraX 1.4.1 (androidx.camera:camera-view).
package androidx.camera.view;

import android.content.Context;
import android.widget.FrameLayout;
import androidx.camera.core.Preview;

public final class PreviewView extends FrameLayout {
    public PreviewView(Context context) {
        super(context);
        throw new UnsupportedOperationException("compile-only stub");
    }

    public Preview.SurfaceProvider getSurfaceProvider() {
        throw new UnsupportedOperationException("compile-only stub");
    }
}
