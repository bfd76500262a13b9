"""The training input pipeline: unpaired photo/cartoon datasets (`pipeline`) and the TFRecord
face format (`tfrecords`) that ``preprocess`` writes and training reads."""
