package dev.hearth.sample

import android.os.Bundle
import android.widget.TextView
import androidx.appcompat.app.AppCompatActivity
import androidx.lifecycle.lifecycleScope
import dev.hearth.Engine
import dev.hearth.EngineOptions
import dev.hearth.GenerateOptions
import dev.hearth.HearthException
import dev.hearth.generateFlow
import kotlinx.coroutines.launch
import java.io.File

/** Streams a story into a TextView. Push a model first:
 *  adb push stories260K-Q8_0.gguf /sdcard/Android/data/dev.hearth.sample/files/model.gguf */
class MainActivity : AppCompatActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        val output = findViewById<TextView>(R.id.output)
        val model = File(getExternalFilesDir(null), "model.gguf")
        lifecycleScope.launch {
            try {
                val engine = Engine.loadAsync(model.path, EngineOptions())
                output.text = "${engine.info().architecture} on ${engine.info().adapter}\n\nOnce upon a time"
                engine.newSession().generateFlow("Once upon a time", GenerateOptions(maxTokens = 200u))
                    .collect { output.append(it) }
            } catch (e: HearthException) {
                output.text = "Hearth: ${e.message}"
            }
        }
    }
}
