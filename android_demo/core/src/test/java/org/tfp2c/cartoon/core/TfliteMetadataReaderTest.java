package org.tfp2c.cartoon.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.Test;

/**
 * The reader on a flatbuffer laid out by hand from the schema (independent of any writer):
 * a Model with 3 buffers sharing one vtable and 2 metadata entries pointing at buffers 2 and 1.
 */
public class TfliteMetadataReaderTest {
    private static final String JSON = "{\"k\": 1}";

    private static ByteBuffer handBuilt(String identifier) {
        ByteBuffer b = ByteBuffer.allocate(192).order(ByteOrder.LITTLE_ENDIAN);
        ref(b, 0, 28); // root -> Model table
        b.position(4);
        b.put(identifier.getBytes(StandardCharsets.US_ASCII));
        // Model vtable at 8: 7 fields, buffers (4) at +4, metadata (6) at +8.
        short[] modelVtable = {18, 12, 0, 0, 0, 0, 4, 0, 8};
        for (int i = 0; i < modelVtable.length; i++) {
            b.putShort(8 + 2 * i, modelVtable[i]);
        }
        b.putInt(28, 28 - 8);
        ref(b, 32, 40);
        ref(b, 36, 116);
        // Buffers vector at 40, one shared Buffer vtable at 56 (data at +4).
        b.putInt(40, 3);
        ref(b, 44, 64);
        ref(b, 48, 72);
        ref(b, 52, 80);
        b.putShort(56, (short) 6).putShort(58, (short) 8).putShort(60, (short) 4);
        int[] tables = {64, 72, 80};
        int[] data = {88, 96, 108};
        for (int i = 0; i < 3; i++) {
            b.putInt(tables[i], tables[i] - 56);
            ref(b, tables[i] + 4, data[i]);
        }
        bytes(b, 88, "ab");
        bytes(b, 96, JSON);
        bytes(b, 108, "xyz");
        // Metadata vector at 116, shared Metadata vtable at 128 (name at +4, buffer at +8).
        b.putInt(116, 2);
        ref(b, 120, 136);
        ref(b, 124, 148);
        b.putShort(128, (short) 8).putShort(130, (short) 12).putShort(132, (short) 4).putShort(134, (short) 8);
        b.putInt(136, 136 - 128);
        ref(b, 140, 160);
        b.putInt(144, 2);
        b.putInt(148, 148 - 128);
        ref(b, 152, 168);
        b.putInt(156, 1);
        bytes(b, 160, "min");
        bytes(b, 168, "photo2cartoon");
        b.rewind();
        return b;
    }

    private static void ref(ByteBuffer b, int at, int target) {
        b.putInt(at, target - at);
    }

    private static void bytes(ByteBuffer b, int at, String text) {
        byte[] raw = text.getBytes(StandardCharsets.UTF_8);
        b.putInt(at, raw.length);
        for (int i = 0; i < raw.length; i++) {
            b.put(at + 4 + i, raw[i]);
        }
    }

    @Test
    public void readsNamedEntriesThroughTheBuffersTable() {
        Map<String, byte[]> all = TfliteMetadataReader.readAll(handBuilt("TFL3"));
        assertEquals(Arrays.asList("min", "photo2cartoon"), Arrays.asList(all.keySet().toArray()));
        assertArrayEquals("xyz".getBytes(StandardCharsets.UTF_8), all.get("min"));
        assertEquals(JSON, TfliteMetadataReader.readString(handBuilt("TFL3"), "photo2cartoon"));
        assertNull(TfliteMetadataReader.readString(handBuilt("TFL3"), "absent"));
    }

    @Test
    public void leavesTheCallersBufferPositionAlone() {
        ByteBuffer model = handBuilt("TFL3");
        model.position(17);
        TfliteMetadataReader.readAll(model);
        assertEquals(17, model.position());
    }

    @Test
    public void rejectsOtherFilesAndCorruptReferences() {
        try {
            TfliteMetadataReader.readAll(handBuilt("ABCD"));
            fail("accepted a wrong file identifier");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("not a TFLite model"));
        }
        ByteBuffer corrupt = handBuilt("TFL3");
        corrupt.order(ByteOrder.LITTLE_ENDIAN).putInt(36, 100000); // metadata vector far outside
        try {
            TfliteMetadataReader.readAll(corrupt);
            fail("followed a reference outside the file");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("corrupt"));
        }
    }

    @Test
    public void missingMetadataIsAClearError() {
        try {
            ModelMetadata.read(handBuilt("TFL3"));
        } catch (IllegalArgumentException expected) {
            // The entry exists but holds {"k": 1}: not an exporter contract.
            assertTrue(expected.getMessage(), expected.getMessage().contains("layout"));
            return;
        }
        fail("accepted metadata without the I/O contract");
    }
}
