"""The registry of diagnostic codes: one code per kind of mistake.

Every diagnostic the compiler reports carries one of these codes.  Each entry
says which stage reports it, a short title, what it means and how to fix it —
`yeji-policy explain CODE` prints the entry with a corpus example that
produces it (tests/cases/diagnostics/bad/<CODE>*.policy), as `rustc --explain`
does.  Codes are stable: a code is never reused for another kind of mistake;
one that is no longer reported stays here marked as retired.

Numbering: E00xx reading a file, E01xx syntax, E02xx names, E03xx units,
E04xx types and tables, E05xx structure of the document, E06xx embedded
tests; W… are warnings (the policy still builds); W08xx figure traceability.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    stage: str  # read, parse, names, units, types, structure, tests, trace
    title: str
    explanation: str

    @property
    def example(self) -> tuple[str, str] | None:
        """(text in EXAMPLE_POLICY, what it becomes): an edit that produces this code; None for read errors."""
        return _EXAMPLES.get(self.code)

    @property
    def severity(self) -> str:
        return "warning" if self.code.startswith("W") else "error"


_ENTRIES = [
    # ---------------------------------------------------------------- reading
    Code("E0001", "read", "文件不是 UTF-8 编码",
         "政策文件须以 UTF-8 编码保存。诊断指出第一个无法解码的字节及其位置。\n"
         "修改：在编辑器中以 UTF-8（无 BOM 或带 BOM 均可）另存该文件。"),
    Code("E0002", "read", "无法读取或处理文件",
         "文件无法打开（不存在、无权限、不是普通文件），或内容超出编译器能处理的范围。\n"
         "修改：检查路径和权限；若是后者，诊断会说明原因。"),
    Code("W0003", "read", "文件名不能用作模块名",
         "生成的计算模块、表单和规则说明以政策文件名命名，模块名只能由英文字母、数字和下划线组成，且不以数字开头。"
         "文件名不合此要求时，改用诊断所说的名称（由文件名导出，附加一段散列值以免重名）。\n"
         "修改：如需别的名称，按此要求给文件改名。"),
    # ---------------------------------------------------------------- syntax
    Code("E0101", "parse", "此处不应出现该内容",
         "语法分析遇到不合语法的词：诊断列出此处可以出现的内容。常见原因是漏写关键字、括号或引号。\n"
         "修改：按“期望”所列改写此处。"),
    Code("E0102", "parse", "无法识别的字符",
         "文件中有语言不认识的字符，常见的是全角标点（如全角括号、全角冒号、中文引号）。\n"
         "修改：换成半角字符；原文引文请写在以“>”开头的行里。"),
    Code("E0103", "parse", "文件意外结束",
         "文件在一个块（“{ … }”）内部结束，通常是缺少右花括号。诊断指出没有配对的“{”。\n"
         "修改：在块的末尾补上“}”。"),
    Code("E0104", "parse", "字符串没有结束",
         "字符串以半角双引号开始，但本行内没有结束的双引号。字符串不能跨行。\n"
         "修改：补上右侧的半角双引号；换行写作 \\n。"),
    Code("E0105", "parse", "文字中含有不可见或控制字符",
         "字符串或原文行中有控制字符、双向文字控制符、零宽字符等看不见的字符，它们会改变文字的显示，"
         "或在生成的表单和说明中造成错误。\n修改：删除诊断所指的字符。"),
    Code("E0106", "parse", "嵌套层数过多",
         "表达式嵌套超过 5,000 层，编译器无法可靠处理。一千项相加之类的长式子不受影响。\n"
         "修改：用“令”把表达式拆成几个有名称的步骤。"),
    Code("E0108", "parse", "转义不是有效的字符",
         "字符串中的 \\uXXXX 转义指向代理码位（U+D800–U+DFFF）：它只是 UTF-16 字符对的一半，不是字符，"
         "任何 UTF-8 文件或 JSON 表单都无法保存。\n修改：直接写出该字符。"),
    # ---------------------------------------------------------------- names
    Code("E0201", "names", "未定义的输入项",
         "规则引用了项目“输入 { … }”中没有声明的名称。诊断会给出最接近的已声明名称。\n"
         "修改：改正拼写，或在“输入”中声明该项。"),
    Code("E0202", "names", "输入项重复定义",
         "同一项目（或同一列表项）中两次声明了同名输入项。\n修改：删去或改名其中一个。"),
    Code("E0203", "names", "项目重复定义",
         "两个项目使用了同一个项目编号。项目编号是申请表单和计算接口的公开名称，须唯一。\n"
         "修改：改用不同的编号（见政策办公室的项目目录）。"),
    Code("E0204", "names", "未知的选项",
         "“属于”“按”或比较中写的选项不是该选项输入项声明的选项之一。\n修改：改正拼写，或在输入项中增加该选项。"),
    Code("E0208", "names", "名称已被使用",
         "“令”的步骤名或“逐项”的变量名与已有的输入项或步骤重名。\n修改：换一个名称。"),
    Code("E0209", "names", "选项重复",
         "一个选项输入项中两次声明了同一个选项编号。\n修改：删去重复的一个。"),
    Code("E0210", "names", "未定义的逐项变量",
         "“变量.字段”中的变量不是所在“逐项 … 为 变量”块引入的变量。\n修改：使用该块的变量名。"),
    Code("E0211", "names", "引用的条款不存在",
         "项目的“条款”写了政策中没有的条款号。\n修改：改为该项目所依据条款的编号。"),
    Code("E0213", "names", "同一输入项在两个项目中定义不同",
         "政策计算器按名称合并各项目的输入项，同一名称须表示同一输入：类型、单位、选项、最小值、步长、默认值都须相同"
         "（中文名称可以不同）。诊断指出不同之处和首次定义的位置。\n修改：让两处定义一致，或给不同的输入另起名称。"),
    # ---------------------------------------------------------------- units
    Code("E0301", "units", "未知或不可用的单位",
         "数字后的单位不在单位表中，或输入项使用了须换算的单位（如“年”）。\n"
         "修改：使用单位表中的单位（元、万元、平方米、人、个、天、个月、年……）；输入项用基本单位。"),
    Code("E0302", "units", "单位或类型不一致",
         "运算、比较、“若…则…否则”的两支或函数参数的单位或类型不同，例如“元 + 人”或“金额 ≥ 3人”。\n"
         "修改：让两边以同一单位计，或改正引用的输入项。"),
    Code("E0303", "units", "金额或上限不以元计",
         "“金额 = …”和“最高不超过 …”的结果须以元计。\n修改：检查公式中的单位，例如漏乘了面积或月数。"),
    Code("E0305", "units", "数字过长",
         "一个数字最多 30 位：这足以写出任何金额（一千万亿元精确到分也只有 18 位），又远在计算引擎的精度之内。\n"
         "修改：核对该数字。"),
    Code("E0306", "units", "换算后不是有限小数",
         "数字换算为基本单位后没有有限的小数值，例如 1元/年 等于 1/12 元/个月。计算须精确，不能把它舍入。\n"
         "修改：按基本单位写出该数字（如按月写），或改用能整除的写法。"),
    Code("E0307", "units", "计算可能超出精度",
         "按输入项的最大值和各数字的位数推算，这一步计算可能需要超过计算引擎 100 位的有效数字，合法的申请也可能无法精确计算。\n"
         "修改：减少相乘的输入项，或减少数字、步长的小数位数。"),
    Code("E0308", "units", "“重叠月数”的期限不是整月数",
         "“重叠月数(起, 止, 开始日期, 期限)”按自然月计算：期限须是政策写明的整月数，如 3年、36个月。"
         "小数（2.5个月、0.1年）在自然月里没有意义，输入项也无法事先核对。\n修改：写出整月数的期限。"),
    # ---------------------------------------------------------------- types and tables
    Code("E0401", "types", "类型不符",
         "某处需要一种类型（数值、是否值、日期、选项、列表），写的却是另一种。诊断说明此处需要什么。\n"
         "修改：改用正确类型的输入项或表达式。"),
    Code("E0402", "types", "函数参数个数不对",
         "内置函数（最小、最大、月数、重叠月数）的参数个数不符。\n修改：按诊断所说的个数写参数。"),
    Code("E0403", "types", "“按”未覆盖全部选项",
         "“按 选项输入项 { … }”须为每个选项给出结果，诊断列出遗漏的选项。\n修改：为遗漏的选项补一行，或与已有选项合写在一行。"),
    Code("E0404", "types", "档位门槛不是严格递增",
         "“分档”的门槛须从低到高严格递增。\n修改：按门槛从小到大排列，删去重复的档。"),
    Code("E0405", "types", "高档奖励低于低档",
         "“分档”中门槛更高的档，奖励不能更低。\n修改：核对原文的档位和金额。"),
    Code("E0406", "types", "上限不大于0",
         "“最高不超过”后的上限须大于0。\n修改：核对原文的上限金额。"),
    Code("E0407", "types", "“按”中选项重复出现",
         "同一选项在“按”中出现了两次，两个结果中哪一个适用无从判断。\n修改：每个选项只写一次。"),
    # ---------------------------------------------------------------- structure
    Code("E0408", "types", "输入项的最小值、步长或默认值不当",
         "“最小”“步长”“默认”只能用于金额、数值和整数输入项，不能为负数，步长须大于0。\n修改：按诊断所说改正或删去该选项。"),
    Code("E0409", "types", "列表的用法不对",
         "列表输入项只能用“逐项 列表 为 变量 { … }”逐项计算：它不能直接参与运算，列表的项也不能再是列表。\n"
         "修改：改用“逐项”，或把嵌套的列表拆成单独的输入项。"),
    Code("E0501", "structure", "条款编号不连续",
         "条款须从第1条起连续编号，诊断指出缺少的条款。\n修改：补上缺少的条款（原文照录），或改正编号。"),
    Code("E0502", "structure", "条款重复", "同一条款号出现了两次。\n修改：删去或改正其中一个。"),
    Code("E0503", "structure", "条款顺序错误", "条款须按编号顺序排列。\n修改：把该条移到正确的位置。"),
    Code("E0504", "structure", "缺少必需的项",
         "项目缺少必需的属性（条款、申请主体、资金来源、兑现条件等）或“金额 = …”规则。\n修改：补上诊断所说的项。"),
    Code("E0505", "structure", "重复的项", "同一块中某个属性、选项或“金额 = …”写了两次。\n修改：删去重复的一个。"),
    Code("E0506", "structure", "“唯一”用在“逐项”之外", "“唯一”只能写在“逐项 … { … }”块内。\n修改：把它移入逐项块。"),
    Code("E0507", "structure", "摘录不是原文的一部分",
         "项目的“摘录”须逐字出现在所引条款的原文中。\n修改：从原文复制摘录，不改动任何字符。"),
    Code("E0509", "structure", "缺少“文件”块或其必需项",
         "政策须有一个“文件 { … }”块，写明发文机关、标题和版本。\n修改：补上诊断所说的项。"),
    Code("E0510", "structure", "章序号错误", "章须按一、二、三……顺序编号。\n修改：改为诊断所说的序号。"),
    Code("E0512", "structure", "“金额 = …”不是最后一条规则", "项目和逐项块中，“金额 = …”须写在其他规则之后。\n修改：把它移到最后。"),
    Code("E0513", "structure", "说明不能为空",
         "“解释”或“非规范数字”须写明理由：审核人员要据此判断这一解读是否成立。\n修改：写出理由。"),
    Code("E0514", "structure", "“情形”缺少或错放“其他”",
         "“情形”须以“其他: …”结尾，说明其余情形如何处理（原文未规定的，写“审核”）。\n修改：补上或移动“其他”。"),
    Code("E0515", "structure", "缺少中文名称", "输入项和选项须有中文名称，表单和说明用它显示。\n修改：补上中文名称。"),
    Code("E0517", "structure", "嵌套过深", "“若”“按”“情形”最多相互嵌套 50 层，生成的计算模块才能保证可以编译。\n修改：用“令”拆出中间步骤。"),
    Code("E0518", "structure", "“逐项”内又有“逐项”", "每一项的金额须直接算出，“逐项”不能嵌套。\n修改：对另一个列表的计算写成另一条规则或另一个项目。"),
    Code("E0519", "structure", "条款编号过大", "条款编号最大为 9999。\n修改：核对条款编号。"),
    Code("E0525", "structure", "不是日期",
         "施行日期、有效期至、废止日期、修订的日期和项目的起始日期、截止日期须是真实的日期，"
         "写作“2027-01-01”或“2027年1月1日”；原文没有写日期时写“原文未载明”（修订须写明日期）。\n"
         "修改：按原文改正日期。"),
    Code("E0526", "structure", "期间的终点早于起点",
         "有效期至早于施行日期、废止日期不晚于施行日期，或项目的截止日期早于起始日期：这样的期间里没有一天。\n"
         "修改：核对两端的日期。"),
    Code("E0527", "structure", "修订日期与施行日期不一致",
         "“修订 … 自 …”的日期就是新版本的施行日期；另写的施行日期与它不同，哪一天起适用新版本无从判断。\n"
         "修改：改为同一天，或删去施行日期。"),
    Code("E0528", "versions", "项目编号在两个政策文件中重复",
         "几个政策文件一起检查、构建时，命令按项目编号找到政策，因此项目编号在全部政策中须唯一；"
         "同一政策的各个版本（以“修订”相连）除外。诊断给出两处定义。\n"
         "例子：policies/ 中另有一个文件也定义了“项目 art09_equipment …”。\n"
         "修改：给其中一个项目改名；若后一个文件是前一个的新版本，在其“文件”块中写“修订 \"前一个文件名\" 自 \"日期\"”。"),
    Code("E0529", "versions", "修订的政策不存在或修订关系有误",
         "“修订 \"名称\" 自 …”须指向一同检查的另一个政策文件（文件名不含 .policy）；"
         "一个版本只能被一个新版本修订，新版本的日期须晚于旧版本的施行日期，且修订关系不能成环。\n"
         "例子：“修订 \"yeji_ecommerce_old\" 自 \"2027-01-01\"”，而 policies/ 中没有 yeji_ecommerce_old.policy。\n"
         "修改：写对被修订的文件名，并把两个文件放在一起。"),
    # ---------------------------------------------------------------- tests
    Code("E0601", "tests", "测试引用了不存在的项目", "测试用例的“项目”不是已定义的项目编号。\n修改：改正项目编号。"),
    Code("E0602", "tests", "测试的预期写法有误",
         "预期金额须精确到分；只有预期“无效”的测试才能写“路径”，且不能写金额；测试输入中的键不能重复。\n"
         "修改：按诊断所说改正。"),
    Code("E0603", "tests", "测试输入中有未知的输入项", "测试输入的键须是该项目声明的输入项。\n修改：改正拼写或删去。"),
    Code("E0604", "tests", "测试输入缺少输入项", "测试输入须给出项目的全部输入项（有默认值的除外）。\n修改：补上诊断列出的输入项。"),
    Code("E0605", "tests", "测试输入的类型不符", "测试输入的值须符合输入项的类型（金额为数字、日期为“YYYY-MM-DD”、选项为已声明的选项）。\n修改：改正该值。"),
    # ---------------------------------------------------------------- warnings
    Code("W0301", "units", "比例超过100%", "比例大于100%，多半是笔误。\n若原文确是如此，可忽略此警告。"),
    Code("W0410", "types", "上限可能为负数",
         "“最高不超过”后的上限是一个算式（如总额减去已领取的金额），按各输入项允许的取值，它可能为负数；"
         "那时任何金额都超过上限，计算结果只能说“超过上限 -200,000.00 元”。诊断给出上限可能的最小值"
         "（输入项从其“最小”值、否则从0算起，没有上限；此前的“要求”和所在情形的条件缩小这个范围）。上限可以为0（如“最高不超过”实际支付的租金），不报告。\n"
         "修改：检查公式（如写成“最大(…, 0元)”）；或用“要求 … 否则 不符合”排除这样的申请。"),
    Code("W0508", "structure", "条款标题与原文开头不一致",
         "条款原文的第一行应以本条的编号和标题开头，便于核对。编号可写作“3．”“3.”“3、”“第三条”“第3条”“三、”“（三）”，"
         "其后可有空格；编号须是本条的条号，“（三）”也可以是本条在所属章中的序号。\n修改：改正标题或原文。"),
    Code("W0701", "names", "输入项未被使用", "声明了却没有任何规则使用的输入项会出现在申请表单上，却不影响结果。\n修改：删去它，或补上使用它的规则。"),
    Code("W0801", "trace", "原文中的数字未被采用",
         "条款原文中的数字没有被任何规则或措施采用，也没有声明为非规范数字：可能漏编了一项规定。\n"
         "修改：编写使用它的规则，或写“非规范数字 \"…\" 因 \"理由\"”。"),
    Code("W0802", "trace", "规则中的数字不见于原文",
         "项目中的数字在所引条款的原文中找不到：它可能是笔误，或来自别处。\n修改：核对原文；确需时用“解释”说明来源。"),
    Code("W0804", "trace", "摘录没有包含项目用到的数字",
         "项目用到的每个数字都应出现在它的摘录里，审核人员才能在摘录中看到规则的全部依据。\n"
         "修改：把原文中含该数字的部分一并摘录（摘录须是原文中连续的一段）。"),
    Code("W0803", "trace", "非规范数字声明有误", "声明为非规范数字的文字不在原文中，或其中没有数字。\n修改：从原文复制该文字。"),
    # ---------------------------------------------------------------- clauses (clauses.py)
    Code("E0214", "names", "措施编号重复",
         "两项措施使用了同一个编号。任务分工表和分工文件以编号指称措施，须唯一。\n修改：改用不同的编号。"),
    Code("E0520", "clauses", "条文不在原文中",
         "措施的“条文”或“非规范条文”须是本条原文中连续的一段，逐字一致（包括标点），任务分工表的“原文依据”据此引用。\n"
         "修改：从本条原文复制该段文字。"),
    Code("E0521", "clauses", "措施没有引用条文",
         "带编号的措施是任务分工表的一行，须引用它所依据的原文条文。\n修改：在措施的块中写 条文 \"……\"。"),
    Code("W0902", "clauses", "措施没有编号和条文",
         "政策追溯条文时，没有编号的任务、目标或指标不引用原文，也不会列入任务分工表。\n"
         "修改：写成 任务 编号 \"……\" { 条文 \"……\" }；若它只是重复别的措施，删去它。"),
    # ---------------------------------------------------------------- assignment files (assignments.py)
    Code("E1001", "assignments", "分工文件语法错误",
         "分工文件每项以“单位”（后跟一个或多个带引号的单位名称）或“任务 编号”（后跟 牵头、配合、时限）开始。"
         "诊断指出第一处不合语法的地方。\n修改：按诊断所说改写此处；文字须写在半角双引号中。"),
    Code("E1002", "assignments", "分工文件中的任务编号不存在",
         "“任务”后的编号须是政策中带编号的措施（任务、目标、指标、资金承诺、组织）之一；诊断会给出最接近的编号。\n"
         "修改：改正编号，或删去这一项。"),
    Code("E1003", "assignments", "单位没有声明",
         "分工文件中出现的每个牵头单位和配合单位都须先在“单位”中声明，以免同一单位写成几种名称。\n"
         "修改：改用已声明的名称，或在文件开头的“单位”中加上它。"),
    Code("E1004", "assignments", "同一任务重复分工",
         "同一任务编号出现了两次，或同一任务写了两次牵头、配合或时限。\n修改：合并为一项。"),
    Code("E1005", "assignments", "分工与原文不一致",
         "原文已写明的牵头单位、配合单位或完成时限以原文为准，分工文件不能另行指定。\n修改：删去分工文件中的这一项。"),
    Code("W1006", "assignments", "有措施没有牵头单位",
         "原文未明确牵头单位、分工文件也没有指定的措施，列在任务分工表的说明中，待领导小组办公室确定。\n"
         "修改：在分工文件中为这些任务写 牵头 \"……\"。"),
    # --- rules across programmes: 不得重复享受, 合计上限 (#22)
    Code("E0260", "names", "跨项目规定引用了不存在的项目",
         "“不得重复享受”或“合计上限”的“项目”须是本政策已定义的项目编号。诊断会给出最接近的编号。\n修改：改正项目编号。"),
    Code("E0261", "names", "项目与自己互斥或重复计入",
         "同一项目在一条跨项目规定中写了两次；或“不得重复享受”只列了一个项目又没有问“其他同类政策”，"
         "那就是让项目与自己互斥。\n修改：删去重复的编号；写出互相排斥的两个以上项目，或加上“其他同类政策 名称 \"问题\"”。"),
    Code("E0262", "names", "跨项目规定的输入项重名",
         "“其他同类政策”和“已获补助”各自新建一个申请表单上的输入项，它的名称不能是某个项目的输入项，"
         "也不能被另一条规定使用。\n修改：另起一个名称。"),
    Code("E0263", "names", "跨项目规定的编号已被使用",
         "跨项目规定的编号出现在计算结果中，须与其他规定和所有项目的编号都不同。\n修改：换一个编号。"),
    Code("E0460", "types", "合计上限不是正的金额",
         "“合计上限”的“最高不超过”须是大于0、精确到分的金额（元或万元），例如 100万元。\n修改：按原文写出上限金额。"),
    Code("W0461", "types", "合计上限跨越不同的资金来源",
         "合计上限所列项目的“资金来源”不同。合计上限通常针对同一资金来源的补助；跨来源合计多半是列错了项目。\n"
         "修改：核对原文；若原文确指这些项目合计，在“项目”所列编号之后写 解释 \"……\" 说明这一读法。"),
    Code("E0462", "types", "期间无法识别",
         "“合计上限”的“期间”只能是“年度”（申请所在的自然年度）或“累计”（不分期间）；表单据此询问已获得的补助。\n"
         "修改：写 期间 \"年度\" 或 期间 \"累计\"。"),
    Code("E0463", "types", "原文未规定的读法没有解释",
         "“重复时 就高”（重复申请时只付金额较高的一项）和“超出时 按项目顺序”（超过合计上限时按项目顺序分配）"
         "都是原文没有规定的读法，须写“解释”说明依据；原文未规定时不写它们，相关项目转人工审核。\n"
         "修改：在其后写 解释 \"……\"，或删去它。"),
    Code("E0564", "structure", "跨项目规定的条目缺少、重复或不适用",
         "“不得重复享受”须写“条款”和“项目”，可写“摘录”“其他同类政策”“重复时 就高”；"
         "“合计上限”须写“条款”“项目”“期间”“已获补助”“最高不超过”，可写“摘录”“超出时 按项目顺序”。每项只写一次；"
         "规定本身的“解释”写在“项目”所列编号之后。\n"
         "修改：按诊断所说补上、删去或合并。"),
    Code("W0901", "clauses", "原文有未覆盖的语句",
         "政策一旦开始追溯条文（写了带编号的措施或“非规范条文”），每条原文的每一句都须有措施的“条文”、"
         "引用本条的项目的“摘录”或“非规范条文”覆盖，这样原文的每项要求都不会漏编。"
         "诊断引用未覆盖的整句，并列出其中未覆盖的部分。\n"
         "修改：为这一句写一项措施（任务、目标、指标、资金承诺或组织），或声明 非规范条文 \"……\" 因 \"……\"。"),
]

REGISTRY: dict[str, Code] = {entry.code: entry for entry in _ENTRIES}

STAGE_LABELS = {"read": "读取文件", "parse": "语法分析", "names": "名称检查", "units": "单位检查",
                "types": "类型与分档检查", "structure": "文件结构检查", "tests": "测试用例检查", "trace": "数字溯源",
                "versions": "多个政策文件之间的检查", "clauses": "条文溯源", "assignments": "分工文件检查"}

# A clean policy; each code's example is one edit of it.
EXAMPLE_FILE = "example.policy"
EXAMPLE_POLICY = '文件 {\n  发文机关 "示例区人民政府"\n  标题 "示例政策"\n  版本 "1.0"\n}\n\n章 一 "扶持措施" {\n  条 1 "设备补助" {\n    > 1．设备补助。对电子商务企业的设备投入给予50%补助，最高不超过50万元；入驻满12个月的，另按每平方米15元给予补助。\n  }\n  项目 equipment "设备补助" {\n    条款 1\n    摘录 "对电子商务企业的设备投入给予50%补助，最高不超过50万元；入驻满12个月的，另按每平方米15元给予补助"\n    申请主体 "电子商务企业"\n    资金来源 "区财政"\n    兑现条件 "验收后"\n    输入 {\n      kind: 选项 { ecommerce "电子商务企业" other "其他企业" } "企业类型"\n      investment: 金额 "设备投入"\n      area: 数值 平方米 "面积"\n      months: 整数 个月 "入驻月数"\n      accepted: 是否 "验收合格"\n    }\n    要求 kind 属于 { ecommerce } 否则 不符合 "不是电子商务企业"\n    要求 accepted 否则 不符合 "未验收合格"\n    金额 = investment × 50% + (若 months ≥ 12个月 则 15元/平方米 × area 否则 0元) 最高不超过 50万元\n  }\n}\n\n测试 "一般情形" {\n  项目 equipment\n  输入 { kind: "ecommerce" investment: 100000 area: 10 months: 1 accepted: 是 }\n  预期 符合 金额 50000.00\n}\n'

_EXAMPLES: dict[str, tuple[str, str]] = {
    "E0101": ("    要求 accepted 否则", "    要求 accepted 否 否则"),
    "E0102": ("最高不超过 50万元\n", "最高不超过（50万元）\n"),
    "E0103": ("  预期 符合 金额 50000.00\n}\n", "  预期 符合 金额 50000.00\n"),
    "E0104": ('申请主体 "电子商务企业"', '申请主体 "电子商务企业'),
    "E0105": ('申请主体 "电子商务企业"', '申请主体 "电子商务\u202e企业"'),
    "E0106": ("    要求 accepted 否则", "    要求 " + "非 " * 5001 + "accepted 否则"),
    "E0108": ('申请主体 "电子商务企业"', '申请主体 "电子商务\\uD800企业"'),
    "E0213": ("\n测试 ", '\n项目 other "另一补助" {\n  条款 1\n  申请主体 "电子商务企业"\n  资金来源 "区财政"\n  兑现条件 "验收后"\n'
              '  输入 { investment: 整数 "设备台数" }\n  金额 = 0元 最高不超过 50万元\n}\n\n测试 '),
    "E0305": ("最高不超过 50万元", "最高不超过 1234567890123456789012345678901元"),
    "E0306": ("15元/平方米 × area", "1元/平方米/年 × area × 12个月"),
    "E0307": ('      accepted: 是否 "验收合格"\n    }\n    要求 kind 属于 { ecommerce } 否则 不符合 "不是电子商务企业"\n    要求 accepted 否则 不符合 "未验收合格"\n    金额 = investment × 50%',
              '      accepted: 是否 "验收合格"\n      r: 数值 "比率" 步长 0.000000000000001\n    }\n    要求 kind 属于 { ecommerce } 否则 不符合 "不是电子商务企业"\n    要求 accepted 否则 不符合 "未验收合格"\n    金额 = investment × r × r × r × r × r × r × r × 50%'),
    "E0517": ("    金额 = investment × 50%", "    金额 = " + "(若 accepted 则 " * 51 + "investment" + " 否则 0元)" * 51 + " × 50%"),
    "E0518": ('      accepted: 是否 "验收合格"\n    }\n    要求 kind 属于 { ecommerce } 否则 不符合 "不是电子商务企业"\n    要求 accepted 否则 不符合 "未验收合格"\n    金额 = investment × 50% + (若 months ≥ 12个月 则 15元/平方米 × area 否则 0元) 最高不超过 50万元',
              '      accepted: 是否 "验收合格"\n      items: 列表 { cost: 金额 "费用" } "明细"\n    }\n    要求 kind 属于 { ecommerce } 否则 不符合 "不是电子商务企业"\n    要求 accepted 否则 不符合 "未验收合格"\n    金额 = 逐项 items 为 a { 金额 = 逐项 items 为 b { 金额 = b.cost } }'),
    "E0519": ('  条 1 "设备补助"', '  条 10000 "设备补助"'),
    "E0525": ('  版本 "1.0"\n', '  版本 "1.0"\n  施行日期 "2027年2月30日"\n'),
    "E0526": ('    兑现条件 "验收后"\n', '    兑现条件 "验收后"\n    起始日期 "2027-07-01"\n    截止日期 "2027-06-30"\n'),
    "E0527": ('  版本 "1.0"\n', '  版本 "1.0"\n  施行日期 "2027-02-01"\n  修订 "example_old" 自 "2027-01-01"\n'),
    "W0804": ("；入驻满12个月的，另按每平方米15元给予补助\"", "\""),
    "E0201": ("金额 = investment × 50%", "金额 = investmnt × 50%"),
    "E0202": ('      accepted: 是否 "验收合格"', '      accepted: 是否 "验收合格"\n      accepted: 是否 "审计合格"'),
    "E0203": ("\n测试 ", "\n项目 equipment \"重复\" { 条款 1 }\n\n测试 "),
    "E0204": ("kind 属于 { ecommerce }", "kind 属于 { ecomerce }"),
    "E0208": ("    要求 accepted 否则", "    令 investment \"投入\" = investment × 1\n    要求 accepted 否则"),
    "E0209": ('other "其他企业" }', 'other "其他企业" other "其它" }'),
    "E0210": ("    金额 = investment × 50%", "    金额 = s.investment × 50%"),
    "E0211": ("    条款 1\n", "    条款 2\n"),
    "E0301": ('months: 整数 个月 "入驻月数"', 'months: 整数 年 "入驻年数"'),
    "E0302": ("要求 accepted 否则", "要求 investment ≥ 3人 否则"),
    "E0303": ("最高不超过 50万元", "最高不超过 50"),
    "E0308": ('      accepted: 是否 "验收合格"\n    }\n    要求 kind 属于 { ecommerce } 否则 不符合 "不是电子商务企业"\n    要求 accepted 否则 不符合 "未验收合格"\n    金额 = investment × 50%',
              '      accepted: 是否 "验收合格"\n      start: 日期 "入驻日期"\n    }\n    要求 kind 属于 { ecommerce } 否则 不符合 "不是电子商务企业"\n    要求 accepted 否则 不符合 "未验收合格"\n    令 n "补助月数" = 重叠月数(start, start, start, 2.5个月)\n    金额 = investment × 50%'),
    "E0401": ("要求 accepted 否则", "要求 investment 否则"),
    "E0402": ("金额 = investment × 50%", "金额 = 最小(investment) × 50%"),
    "E0403": ("金额 = investment × 50%", "金额 = 按 kind { ecommerce: investment } × 50%"),
    "E0404": ("金额 = investment × 50%", "金额 = 分档 investment { 达到 20万元 → 1万元 达到 10万元 → 2万元 } + investment × 50%"),
    "E0405": ("金额 = investment × 50%", "金额 = 分档 investment { 达到 10万元 → 2万元 达到 20万元 → 1万元 } + investment × 50%"),
    "E0406": ("最高不超过 50万元", "最高不超过 0元"),
    "E0407": ("金额 = investment × 50%", "金额 = 按 kind { ecommerce: investment  ecommerce, other: 0元 } × 50%"),
    "E0408": ('area: 数值 平方米 "面积"', 'area: 数值 平方米 "面积" 步长 0平方米'),
    "E0409": ('      accepted: 是否 "验收合格"\n    }', '      accepted: 是否 "验收合格"\n      items: 列表 { item: 文本 "名称" } "明细"\n    }\n    要求 items 否则 不符合 "无明细"'),
    "E0501": ("  条 1 \"设备补助\"", "  条 2 \"设备补助\""),
    "E0502": ('  项目 equipment "设备补助"', '  条 1 "设备补助" {\n    > 1．设备补助。\n  }\n  项目 equipment "设备补助"'),
    "E0503": ('  项目 equipment "设备补助"', '  条 3 "其他" {\n    > 3．其他。\n  }\n  条 2 "另一" {\n    > 2．另一。\n  }\n  项目 equipment "设备补助"'),
    "E0504": ('    申请主体 "电子商务企业"\n', ""),
    "E0505": ('    申请主体 "电子商务企业"\n', '    申请主体 "电子商务企业"\n    申请主体 "企业"\n'),
    "E0506": ("    要求 accepted 否则", "    唯一 kind 否则 审核 \"重复\"\n    要求 accepted 否则"),
    "E0507": ('摘录 "对电子商务企业的设备投入给予50%补助', '摘录 "对电商企业的设备投入给予50%补助'),
    "E0509": ('  版本 "1.0"\n', ""),
    "E0510": ('章 一 "扶持措施"', '章 二 "扶持措施"'),
    "E0512": ("最高不超过 50万元\n  }", "最高不超过 50万元\n    要求 accepted 否则 不符合 \"未验收合格\"\n  }"),
    "E0513": ('    资金来源 "区财政"', '    资金来源 "区财政" 解释 ""'),
    "E0514": ("金额 = investment × 50% + (若 months ≥ 12个月 则 15元/平方米 × area 否则 0元) 最高不超过 50万元", "金额 = 情形 {\n      当 months ≥ 12个月: investment × 50% + 15元/平方米 × area\n      当 months < 12个月: investment × 50%\n    }"),
    "E0515": ('accepted: 是否 "验收合格"', 'accepted: 是否 ""'),
    "E0601": ("  项目 equipment\n  输入", "  项目 equipmnt\n  输入"),
    "E0602": ("预期 符合 金额 50000.00", "预期 符合 金额 50000.001"),
    "E0603": ("accepted: 是 }", "accepted: 是 acceptd: 是 }"),
    "E0604": (" accepted: 是 }", " }"),
    "E0605": ("investment: 100000 area", "investment: \"十万\" area"),
    "W0301": ("investment × 50%", "investment × 150%"),
    "W0508": ('  条 1 "设备补助"', '  条 1 "设备购置补助"'),
    "W0701": ('      accepted: 是否 "验收合格"', '      accepted: 是否 "验收合格"\n      audited: 是否 "审计合格"'),
    "W0410": ("最高不超过 50万元", "最高不超过 50万元 - investment"),
    "W0801": ("另按每平方米15元给予补助。\n", "另按每平方米15元给予补助，每年不超过3次。\n"),
    "W0802": ("最高不超过 50万元", "最高不超过 60万元"),
    "E0214": ("15元给予补助。\n  }", '15元给予补助。\n    任务 t1 "设备补助" { 条文 "设备补助" }\n'
              '    任务 t1 "设备补助" { 条文 "设备补助" }\n  }'),
    "E0520": ("15元给予补助。\n  }", '15元给予补助。\n    任务 t1 "设备补助" { 条文 "设备奖励" }\n  }'),
    "E0521": ("15元给予补助。\n  }", '15元给予补助。\n    任务 t1 "设备补助" { }\n  }'),
    "W0902": ("15元给予补助。\n  }", '15元给予补助。\n    任务 t1 "设备补助" { 条文 "设备补助" }\n    任务 "设备补助"\n  }'),
    "W0901": ("15元给予补助。\n  }", '15元给予补助。加强宣传引导。\n    任务 t1 "设备补助" { 条文 "设备补助" }\n  }'),
    # rules across programmes (#22): a declaration added before the test case
    'E0260': ('\n测试 ', '\n不得重复享受 once "不得重复享受" {\n  条款 1\n  项目 equipmnt\n  其他同类政策 elsewhere "是否已享受其他同类政策"\n}\n\n测试 '),
    'E0261': ('\n测试 ', '\n不得重复享受 once "不得重复享受" {\n  条款 1\n  项目 equipment\n}\n\n测试 '),
    'E0262': ('\n测试 ', '\n不得重复享受 once "不得重复享受" {\n  条款 1\n  项目 equipment\n  其他同类政策 accepted "是否已享受其他同类政策"\n}\n\n测试 '),
    'E0263': ('\n测试 ', '\n不得重复享受 equipment "不得重复享受" {\n  条款 1\n  项目 equipment\n  其他同类政策 elsewhere "是否已享受其他同类政策"\n}\n\n测试 '),
    'E0460': ('\n测试 ', '\n合计上限 total "年度补助合计" {\n  条款 1\n  项目 equipment\n  期间 "年度"\n  已获补助 received "本年度已获补助"\n  最高不超过 50人\n}\n\n测试 '),
    'W0461': ('\n测试 ', '\n项目 other "另一补助" {\n  条款 1\n  申请主体 "电子商务企业"\n  资金来源 "市财政"\n  兑现条件 "验收后"\n  金额 = 50万元\n}\n\n合计上限 total "年度补助合计" {\n  条款 1\n  项目 equipment, other\n  期间 "年度"\n  已获补助 received "本年度已获补助"\n  最高不超过 50万元\n}\n\n测试 '),
    'E0462': ('\n测试 ', '\n合计上限 total "年度补助合计" {\n  条款 1\n  项目 equipment\n  期间 "每月"\n  已获补助 received "本年度已获补助"\n  最高不超过 50万元\n}\n\n测试 '),
    'E0463': ('\n测试 ', '\n合计上限 total "年度补助合计" {\n  条款 1\n  项目 equipment\n  期间 "年度"\n  已获补助 received "本年度已获补助"\n  最高不超过 50万元\n  超出时 按项目顺序\n}\n\n测试 '),
    'E0564': ('\n测试 ', '\n合计上限 total "年度补助合计" {\n  条款 1\n  项目 equipment\n  期间 "年度"\n  最高不超过 50万元\n}\n\n测试 '),
    "W0803": ('  }\n  项目 equipment "设备补助"', '    非规范数字 "每年3次" 因 "不是补助标准"\n  }\n  项目 equipment "设备补助"'),
}



# The assignment codes' examples: one edit of a clean assignment file, checked against a clean policy
# with two traced measures (t2's lead is named by the text).
EXAMPLE_ASSIGNMENTS_FILE = "example.assignments"
EXAMPLE_TASK_POLICY = EXAMPLE_POLICY.replace(
    "15元给予补助。\n  }",
    '15元给予补助。\n    任务 t1 "设备补助" { 条文 "设备补助" }\n    任务 t2 "设备补助上限" { 条文 "最高不超过50万元" 牵头 "区政府" }\n  }', 1)
EXAMPLE_ASSIGNMENTS = '单位 "区商务局" "区财政局"\n任务 t1 牵头 "区商务局" 配合 "区财政局" 时限 "2019年底前"\n'
_ASSIGNMENT_EXAMPLES: dict[str, tuple[str, str]] = {
    "E1001": ('牵头 "区商务局"', "牵头 区商务局"),
    "E1002": ("任务 t1", "任务 t3"),
    "E1003": ('配合 "区财政局"', '配合 "区财政厅"'),
    "E1004": ('时限 "2019年底前"\n', '时限 "2019年底前"\n任务 t1 牵头 "区财政局"\n'),
    "E1005": ('时限 "2019年底前"\n', '时限 "2019年底前"\n任务 t2 牵头 "区商务局"\n'),
    "W1006": ('任务 t1 牵头 "区商务局" 配合 "区财政局" 时限 "2019年底前"\n', ""),
}


def assignment_example(entry: Code) -> tuple[str, list] | None:
    """(the example assignment file, its diagnostics) for an assignment code; None for the others."""
    if entry.code not in _ASSIGNMENT_EXAMPLES:
        return None
    from . import assignments, check

    policy, _ = check.check_source(EXAMPLE_TASK_POLICY, EXAMPLE_FILE)
    before, after = _ASSIGNMENT_EXAMPLES[entry.code]
    source = EXAMPLE_ASSIGNMENTS.replace(before, after, 1)
    return source, assignments.check(source, EXAMPLE_ASSIGNMENTS_FILE, policy)[1]


def lookup(code: str) -> Code | None:
    return REGISTRY.get(code.strip().upper())


def example_source(entry: Code) -> str | None:
    if entry.example is None:
        return None
    before, after = entry.example
    return EXAMPLE_POLICY.replace(before, after, 1)


def explain(entry: Code) -> str:
    """What `yeji-policy explain CODE` prints: the meaning, the fix, and a real diagnostic from the example."""
    from . import check
    from .diagnostics import render

    kind = "警告" if entry.severity == "warning" else "错误"
    out = [f"{entry.code}：{entry.title}（{kind}，{STAGE_LABELS[entry.stage]}）", "", entry.explanation]
    source = example_source(entry)
    if source is not None:
        before, after = entry.example  # type: ignore[misc]
        _, diagnostics = check.check_source(source, EXAMPLE_FILE)
        shown = [d for d in diagnostics if d.code == entry.code][:1]
        out += ["", "例子：把", *_quoted(before), "改为", *_quoted(after), "检查时报告："]
        out += [render(d, EXAMPLE_FILE, source) for d in shown]
    example = assignment_example(entry)
    if example is not None:
        source, diagnostics = example
        before, after = _ASSIGNMENT_EXAMPLES[entry.code]
        out += ["", "例子：分工文件中把", *_quoted(before), "改为", *(_quoted(after) if after else ["    （删去）"]),
                "检查时报告："]
        out += [render(d, EXAMPLE_ASSIGNMENTS_FILE, source) for d in diagnostics if d.code == entry.code][:1]
    return "\n".join(out)


def _quoted(text: str, width: int = 100) -> list[str]:
    """The lines of an example edit, indented; a very long line (E0106's) cut with …; an invisible
    character (E0105's) shown by its code point, never printed to the terminal as itself."""
    def visible(line: str) -> str:
        return "".join(f"<U+{ord(ch):04X}>" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") else ch
                       for ch in line)
    return ["    " + visible(line if len(line) <= width else line[:width] + "…") for line in text.strip("\n").split("\n")]


def listing() -> str:
    """Every code with its title, one a line."""
    return "\n".join(f"{c.code}  {c.title}" for c in REGISTRY.values())
