package org.tfp2c.cartoon.view

import android.Manifest
import android.graphics.Bitmap
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.Image
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.tfp2c.cartoon.CartoonizerHelper
import org.tfp2c.cartoon.MainViewModel
import org.tfp2c.cartoon.R
import org.tfp2c.cartoon.UiState
import org.tfp2c.cartoon.UserMessage

/** Pick or take a photo; show original, aligned crop, cartoon and timings. */
@Composable
fun MainScreen(viewModel: MainViewModel) {
    val state by viewModel.uiState.collectAsStateWithLifecycle()
    var showCamera by rememberSaveable { mutableStateOf(false) }

    val pickPhoto = rememberLauncherForActivityResult(ActivityResultContracts.PickVisualMedia()) { uri ->
        uri?.let(viewModel::onPhotoPicked)
    }
    val cameraPermission = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) showCamera = true else viewModel.onCameraPermissionDenied()
    }

    if (showCamera) {
        CameraCapture(
            onCaptured = { bitmap ->
                showCamera = false
                viewModel.onPhotoCaptured(bitmap)
            },
            onCancel = { showCamera = false },
            modifier = Modifier.fillMaxSize().safeDrawingPadding(),
        )
        return
    }

    Column(
        modifier = Modifier.fillMaxSize().safeDrawingPadding().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(
                onClick = { pickPhoto.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageOnly)) },
                enabled = !state.isBusy,
            ) { Text(stringResource(R.string.pick_photo)) }
            Button(
                onClick = { cameraPermission.launch(Manifest.permission.CAMERA) },
                enabled = !state.isBusy,
            ) { Text(stringResource(R.string.take_photo)) }
        }
        DelegateSelector(state.delegate, enabled = !state.isBusy, onSelected = viewModel::onDelegateSelected)
        if (state.isBusy) LinearProgressIndicator(modifier = Modifier.fillMaxWidth())
        Message(state.message)
        Results(state)
    }
}

@Composable
private fun DelegateSelector(
    selected: CartoonizerHelper.Delegate,
    enabled: Boolean,
    onSelected: (CartoonizerHelper.Delegate) -> Unit,
) {
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
        Text(stringResource(R.string.delegate_label))
        CartoonizerHelper.Delegate.entries.forEach { delegate ->
            FilterChip(
                selected = delegate == selected,
                onClick = { onSelected(delegate) },
                label = { Text(delegate.name) },
                enabled = enabled,
            )
        }
    }
}

@Composable
private fun Message(message: UserMessage?) {
    val text = when (message) {
        null -> return
        UserMessage.NoFace -> stringResource(R.string.no_face)
        UserMessage.CameraPermissionDenied -> stringResource(R.string.camera_denied)
        UserMessage.GpuUnavailable -> stringResource(R.string.gpu_unavailable)
        is UserMessage.Error -> stringResource(R.string.error, message.detail)
    }
    Text(text, color = MaterialTheme.colorScheme.error)
}

@Composable
private fun Results(state: UiState) {
    if (state.original == null) {
        Text(stringResource(R.string.hint))
        return
    }
    LabeledImage(stringResource(R.string.original), state.original)
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        state.crop?.let { LabeledImage(stringResource(R.string.aligned_crop), it, Modifier.weight(1f)) }
        state.cartoon?.let { LabeledImage(stringResource(R.string.cartoon), it, Modifier.weight(1f)) }
    }
    if (state.inferenceTimeMs != null && state.totalTimeMs != null) {
        val delegate = (state.activeDelegate ?: state.delegate).name
        Text(stringResource(R.string.inference_time, state.inferenceTimeMs, delegate, state.totalTimeMs))
    }
}

@Composable
private fun LabeledImage(label: String, bitmap: Bitmap, modifier: Modifier = Modifier) {
    Column(modifier = modifier, verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text(label, style = MaterialTheme.typography.labelLarge)
        Image(
            bitmap = bitmap.asImageBitmap(),
            contentDescription = label,
            contentScale = ContentScale.Fit,
            modifier = Modifier.fillMaxWidth().aspectRatio(bitmap.width / bitmap.height.toFloat()),
        )
    }
}
