import { createContext, useContext } from 'react';
import { makeTheme, type Theme } from './theme.js';

/** What every line needs to draw itself: the terminal width and the theme (colour, glyphs). */
export interface Screen {
  width: number;
  theme: Theme;
}

export const ScreenContext = createContext<Screen>({ width: 80, theme: makeTheme({ color: false, unicode: false }) });

export const useScreen = (): Screen => useContext(ScreenContext);
