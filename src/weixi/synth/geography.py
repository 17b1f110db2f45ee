"""Shandong province as it was organised in 2010: 17 prefecture cities, 140 county-level units.

The county list is written from memory of the GB/T 2260 administrative division codes of
2008–2012 (before Laiwu joined Jinan in 2019 and before the 2012–2013 district mergers in
Qingdao and Jining). It reproduces exactly the provincial gazetteer's end-2008 totals quoted in
telecom-domain.md §3.5 (140 units: 49 districts, 31 county-level cities, 60 counties), which is
the check we could make; individual codes were not verified against the standard's text.

City coordinates are approximate city-centre positions; county coordinates are not real:
each county is placed at a deterministic offset from its city's centre. Population weights
are rounded 2010 census figures for the cities (millions) from memory, marked uncertain.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE_CODE = "370000"
PROVINCE_ZH = "山东省"
PROVINCE_EN = "Shandong Province"


@dataclass(frozen=True)
class County:
    code: str
    name_zh: str
    name_en: str
    city_code: str

    @property
    def rural(self) -> bool:
        """Counties (县) count as rural; districts and county-level cities as towns."""
        return self.name_zh.endswith("县")


@dataclass(frozen=True)
class City:
    code: str
    name_zh: str
    name_en: str
    lat: float
    lon: float
    population_m: float
    counties: tuple[County, ...]


_SUFFIX_EN = {"区": "District", "市": "City", "县": "County"}

# city code, Chinese, pinyin, lat, lon, population (millions), "code 中文 pinyin" per county
_CITIES: tuple[tuple[str, str, str, float, float, float, str], ...] = (
    ("3701", "济南市", "Jinan", 36.65, 117.00, 6.8,
     "02 历下区 Lixia|03 市中区 Shizhong|04 槐荫区 Huaiyin|05 天桥区 Tianqiao|12 历城区 Licheng|"
     "13 长清区 Changqing|24 平阴县 Pingyin|25 济阳县 Jiyang|26 商河县 Shanghe|81 章丘市 Zhangqiu"),
    ("3702", "青岛市", "Qingdao", 36.07, 120.38, 8.7,
     "02 市南区 Shinan|03 市北区 Shibei|05 四方区 Sifang|11 黄岛区 Huangdao|12 崂山区 Laoshan|"
     "13 李沧区 Licang|14 城阳区 Chengyang|81 胶州市 Jiaozhou|82 即墨市 Jimo|83 平度市 Pingdu|"
     "84 胶南市 Jiaonan|85 莱西市 Laixi"),
    ("3703", "淄博市", "Zibo", 36.81, 118.05, 4.5,
     "02 淄川区 Zichuan|03 张店区 Zhangdian|04 博山区 Boshan|05 临淄区 Linzi|06 周村区 Zhoucun|"
     "21 桓台县 Huantai|22 高青县 Gaoqing|23 沂源县 Yiyuan"),
    ("3704", "枣庄市", "Zaozhuang", 34.86, 117.56, 3.7,
     "02 市中区 Shizhong|03 薛城区 Xuecheng|04 峄城区 Yicheng|05 台儿庄区 Tai'erzhuang|"
     "06 山亭区 Shanting|81 滕州市 Tengzhou"),
    ("3705", "东营市", "Dongying", 37.43, 118.67, 2.0,
     "02 东营区 Dongying|03 河口区 Hekou|21 垦利县 Kenli|22 利津县 Lijin|23 广饶县 Guangrao"),
    ("3706", "烟台市", "Yantai", 37.46, 121.45, 7.0,
     "02 芝罘区 Zhifu|11 福山区 Fushan|12 牟平区 Muping|13 莱山区 Laishan|34 长岛县 Changdao|"
     "81 龙口市 Longkou|82 莱阳市 Laiyang|83 莱州市 Laizhou|84 蓬莱市 Penglai|85 招远市 Zhaoyuan|"
     "86 栖霞市 Qixia|87 海阳市 Haiyang"),
    ("3707", "潍坊市", "Weifang", 36.71, 119.16, 9.1,
     "02 潍城区 Weicheng|03 寒亭区 Hanting|04 坊子区 Fangzi|05 奎文区 Kuiwen|24 临朐县 Linqu|"
     "25 昌乐县 Changle|81 青州市 Qingzhou|82 诸城市 Zhucheng|83 寿光市 Shouguang|"
     "84 安丘市 Anqiu|85 高密市 Gaomi|86 昌邑市 Changyi"),
    ("3708", "济宁市", "Jining", 35.41, 116.59, 8.1,
     "02 市中区 Shizhong|11 任城区 Rencheng|26 微山县 Weishan|27 鱼台县 Yutai|28 金乡县 Jinxiang|"
     "29 嘉祥县 Jiaxiang|30 汶上县 Wenshang|31 泗水县 Sishui|32 梁山县 Liangshan|"
     "81 曲阜市 Qufu|82 兖州市 Yanzhou|83 邹城市 Zoucheng"),
    ("3709", "泰安市", "Tai'an", 36.20, 117.09, 5.5,
     "02 泰山区 Taishan|11 岱岳区 Daiyue|21 宁阳县 Ningyang|23 东平县 Dongping|"
     "82 新泰市 Xintai|83 肥城市 Feicheng"),
    ("3710", "威海市", "Weihai", 37.51, 122.12, 2.8,
     "02 环翠区 Huancui|81 文登市 Wendeng|82 荣成市 Rongcheng|83 乳山市 Rushan"),
    ("3711", "日照市", "Rizhao", 35.42, 119.53, 2.8,
     "02 东港区 Donggang|03 岚山区 Lanshan|21 五莲县 Wulian|22 莒县 Juxian"),
    ("3712", "莱芜市", "Laiwu", 36.21, 117.68, 1.3, "02 莱城区 Laicheng|03 钢城区 Gangcheng"),
    ("3713", "临沂市", "Linyi", 35.10, 118.36, 10.0,
     "02 兰山区 Lanshan|11 罗庄区 Luozhuang|12 河东区 Hedong|21 沂南县 Yinan|22 郯城县 Tancheng|"
     "23 沂水县 Yishui|24 苍山县 Cangshan|25 费县 Feixian|26 平邑县 Pingyi|27 莒南县 Junan|"
     "28 蒙阴县 Mengyin|29 临沭县 Linshu"),
    ("3714", "德州市", "Dezhou", 37.45, 116.36, 5.6,
     "02 德城区 Decheng|21 陵县 Lingxian|22 宁津县 Ningjin|23 庆云县 Qingyun|24 临邑县 Linyi|"
     "25 齐河县 Qihe|26 平原县 Pingyuan|27 夏津县 Xiajin|28 武城县 Wucheng|81 乐陵市 Laoling|"
     "82 禹城市 Yucheng"),
    ("3715", "聊城市", "Liaocheng", 36.46, 115.99, 5.8,
     "02 东昌府区 Dongchangfu|21 阳谷县 Yanggu|22 莘县 Shenxian|23 茌平县 Chiping|"
     "24 东阿县 Dong'e|25 冠县 Guanxian|26 高唐县 Gaotang|81 临清市 Linqing"),
    ("3716", "滨州市", "Binzhou", 37.38, 117.97, 3.7,
     "02 滨城区 Bincheng|21 惠民县 Huimin|22 阳信县 Yangxin|23 无棣县 Wudi|24 沾化县 Zhanhua|"
     "25 博兴县 Boxing|26 邹平县 Zouping"),
    ("3717", "菏泽市", "Heze", 35.23, 115.48, 8.3,
     "02 牡丹区 Mudan|21 曹县 Caoxian|22 单县 Shanxian|23 成武县 Chengwu|24 巨野县 Juye|"
     "25 郓城县 Yuncheng|26 鄄城县 Juancheng|27 定陶县 Dingtao|28 东明县 Dongming"),
)  # fmt: skip


def _county(city_code: str, entry: str) -> County:
    suffix, name_zh, pinyin = entry.split(" ")
    # Single-syllable counties (莒县, 费县, 陵县 …) are romanised whole: "Juxian County".
    name_en = f"{pinyin} {_SUFFIX_EN[name_zh[-1]]}"
    return County(f"{city_code}{suffix}", name_zh, name_en, f"{city_code}00")


def shandong() -> tuple[City, ...]:
    """Shandong's 17 cities of 2010 with their 140 county-level units."""
    return tuple(
        City(
            code=f"{code}00",
            name_zh=zh,
            name_en=f"{en} City",
            lat=lat,
            lon=lon,
            population_m=pop,
            counties=tuple(_county(code, e) for e in counties.split("|")),
        )
        for code, zh, en, lat, lon, pop, counties in _CITIES
    )
