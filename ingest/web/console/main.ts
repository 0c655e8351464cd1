import './console.css';
import { ConsoleApp } from './console-app.js';

const root = document.getElementById('app');
if (root !== null) new ConsoleApp(root).start();
