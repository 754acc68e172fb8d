"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.log = void 0;
exports.setLogLevel = setLogLevel;
const pino_1 = __importDefault(require("pino"));
/** Logs go to stderr (fd 2) synchronously; results go to stdout only. */
exports.log = (0, pino_1.default)({ level: process.env.LOG_LEVEL ?? 'warn', base: undefined }, pino_1.default.destination({ dest: 2, sync: true }));
function setLogLevel(level) {
    exports.log.level = level;
}
