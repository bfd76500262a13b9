"""The face-preprocessing job: a folder of photos -> aligned, segmented crops (``preprocess``).

`photo` is the per-photo operation; `job` runs it over a folder, here, in local worker
processes (`local_workers`) or on tf.data service workers (`service`), and writes PNGs or
TFRecord shards (`outputs`) with a resumable manifest (`manifest`). The training input pipeline
that reads the results is `tf_p2c.data`.
"""
