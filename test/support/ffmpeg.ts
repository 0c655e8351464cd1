import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function systemBinary(name: string): string | undefined {
  try {
    execFileSync(name, ['-hide_banner', '-version'], { stdio: 'ignore' });
    return name;
  } catch {
    return undefined;
  }
}

/** The system ffmpeg when there is one, else the one shipped in @ffmpeg-installer/ffmpeg. */
export const ffmpegPath: string =
  systemBinary('ffmpeg') ?? (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;

/** The system ffprobe when there is one, else the one shipped in @ffprobe-installer/ffprobe. */
export const ffprobePath: string =
  systemBinary('ffprobe') ?? (require('@ffprobe-installer/ffprobe') as { path: string }).path;
