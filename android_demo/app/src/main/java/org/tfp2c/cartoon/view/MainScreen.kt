package org.tfp2c.cartoon.view

import android.Manifest
import android.content.Context
import android.graphics.Bitmap
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.Image
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
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
import androidx.compose.material3.SnackbarHost
import androidx.compose.material3.SnackbarHostState
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.tfp2c.cartoon.MainViewModel
import org.tfp2c.cartoon.R
import org.tfp2c.cartoon.UiState
import org.tfp2c.cartoon.state.Delegate
import org.tfp2c.cartoon.state.StatusLine
import org.tfp2c.cartoon.state.UserMessage

/** Pick or take a photo; show original, aligned crop, cartoon and timings. */
@Composable
fun MainScreen(viewModel: MainViewModel) {
    val state by viewModel.uiState.collectAsStateWithLifecycle()
    var showCamera by rememberSaveable { mutableStateOf(false) }
    val snackbarHostState = remember { SnackbarHostState() }
    val context = LocalContext.current

    // Each message is shown once, then acknowledged by id (a newer one is never cleared).
    val message = state.message
    val messageId = state.messageId
    LaunchedEffect(messageId) {
        if (message != null) {
            snackbarHostState.showSnackbar(messageText(context, message), withDismissAction = true)
            viewModel.onMessageShown(messageId)
        }
    }

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

    Box(modifier = Modifier.fillMaxSize().safeDrawingPadding()) {
        Column(
            modifier = Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
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
            Status(state.statusLine)
            Results(state)
        }
        SnackbarHost(snackbarHostState, modifier = Modifier.align(Alignment.BottomCenter))
    }
}

@Composable
private fun DelegateSelector(
    selected: Delegate,
    enabled: Boolean,
    onSelected: (Delegate) -> Unit,
) {
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
        Text(stringResource(R.string.delegate_label))
        Delegate.entries.forEach { delegate ->
            FilterChip(
                selected = delegate == selected,
                onClick = { onSelected(delegate) },
                label = { Text(delegate.name) },
                enabled = enabled,
            )
        }
    }
}

private fun messageText(context: Context, message: UserMessage): String = when (message) {
    UserMessage.NoFace -> context.getString(R.string.no_face)
    UserMessage.CameraPermissionDenied -> context.getString(R.string.camera_denied)
    UserMessage.GpuUnavailable -> context.getString(R.string.gpu_unavailable)
    is UserMessage.ModelsFailed -> context.getString(R.string.models_failed, message.detail)
    is UserMessage.Error -> context.getString(R.string.error, message.detail)
}

/** Progress while working, otherwise the last outcome (timings, or why the models are missing). */
@Composable
private fun Status(line: StatusLine) {
    when (line) {
        StatusLine.Hint -> Text(stringResource(R.string.hint))
        StatusLine.ReadingPhoto -> Text(stringResource(R.string.reading_photo))
        is StatusLine.LoadingModels -> Text(stringResource(R.string.loading_models, line.delegate.name))
        StatusLine.Cartoonizing -> Text(stringResource(R.string.cartoonizing))
        is StatusLine.ModelsFailed ->
            Text(stringResource(R.string.models_failed, line.detail), color = MaterialTheme.colorScheme.error)
        is StatusLine.Timings ->
            Text(stringResource(R.string.inference_time, line.inferenceTimeMs, line.delegate.name, line.totalTimeMs))
        StatusLine.NoResult -> Text(stringResource(R.string.no_result))
    }
}

@Composable
private fun Results(state: UiState) {
    val original = state.original ?: return
    LabeledImage(stringResource(R.string.original), original)
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        state.crop?.let { LabeledImage(stringResource(R.string.aligned_crop), it, Modifier.weight(1f)) }
        state.cartoon?.let { LabeledImage(stringResource(R.string.cartoon), it, Modifier.weight(1f)) }
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
